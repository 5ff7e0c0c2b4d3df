import { decideSync, jitteredInterval } from '../../src/reconcilers/sync-schedule.js';

describe('decideSync', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const base = { now, generation: 2, observedGeneration: 2, suspend: false, nextSyncTime: '2026-01-01T00:05:00Z' };

  it('waits for nextSyncTime when nothing else changed', () => {
    expect(decideSync(base)).toEqual({ sync: false, why: 'not due', wakeInMs: 5 * 60_000 });
  });

  it('syncs at once when a Secret the registry reads changed, whatever its backoff', () => {
    expect(decideSync({ ...base, credentialsChanged: true })).toEqual({ sync: true, why: 'credentials changed' });
  });

  it('stays suspended even when its credentials change', () => {
    expect(decideSync({ ...base, suspend: true, credentialsChanged: true })).toEqual({ sync: false, why: 'suspended' });
  });

  it('syncs for a changed spec, a new sync request and an elapsed interval', () => {
    expect(decideSync({ ...base, generation: 3 }).why).toBe('spec changed');
    expect(decideSync({ ...base, syncRequest: 'b', lastHandledSyncRequest: 'a' }).why).toBe('sync requested');
    expect(decideSync({ ...base, nextSyncTime: '2025-12-31T23:59:59Z' }).why).toBe('interval elapsed');
  });
});

describe('jitteredInterval', () => {
  it('stays within ±10% of the interval', () => {
    expect(jitteredInterval(1000, () => 0)).toBe(900);
    expect(jitteredInterval(1000, () => 1)).toBe(1100);
  });
});
