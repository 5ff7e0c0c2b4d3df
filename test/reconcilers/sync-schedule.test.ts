// decideSync and jitteredInterval are pure: each row is one situation, on a fixed clock.
import {
  decideSync,
  jitteredInterval,
  type SyncDecision,
  type SyncDecisionInput,
} from '../../src/reconcilers/sync-schedule.js';

describe('decideSync', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const base: SyncDecisionInput = {
    now,
    generation: 2,
    observedGeneration: 2,
    suspend: false,
    nextSyncTime: '2026-01-01T00:05:00Z',
  };

  it.each<[string, Partial<SyncDecisionInput>, SyncDecision]>([
    ['waits for nextSyncTime when nothing else changed', {}, { sync: false, why: 'not due', wakeInMs: 5 * 60_000 }],
    [
      'syncs at once when a Secret the registry reads changed, whatever its backoff',
      { credentialsChanged: true },
      { sync: true, why: 'credentials changed' },
    ],
    [
      'stays suspended even when its credentials change',
      { suspend: true, credentialsChanged: true },
      { sync: false, why: 'suspended' },
    ],
    ['stays suspended even when its spec changes', { suspend: true, generation: 3 }, { sync: false, why: 'suspended' }],
    ['syncs for a changed spec', { generation: 3 }, { sync: true, why: 'spec changed' }],
    ['syncs for a spec never observed', { observedGeneration: undefined }, { sync: true, why: 'spec changed' }],
    [
      'syncs for a new sync request',
      { syncRequest: 'b', lastHandledSyncRequest: 'a' },
      { sync: true, why: 'sync requested' },
    ],
    [
      'does not sync again for a request it handled',
      { syncRequest: 'a', lastHandledSyncRequest: 'a' },
      { sync: false, why: 'not due', wakeInMs: 5 * 60_000 },
    ],
    [
      'syncs once the interval elapsed',
      { nextSyncTime: '2025-12-31T23:59:59Z' },
      { sync: true, why: 'interval elapsed' },
    ],
    [
      'syncs when nextSyncTime is exactly now',
      { nextSyncTime: '2026-01-01T00:00:00Z' },
      { sync: true, why: 'interval elapsed' },
    ],
    ['syncs when it has no nextSyncTime', { nextSyncTime: undefined }, { sync: true, why: 'interval elapsed' }],
    ['syncs when nextSyncTime is not a time', { nextSyncTime: 'soon' }, { sync: true, why: 'interval elapsed' }],
  ])('%s', (_, change, decision) => {
    expect(decideSync({ ...base, ...change })).toEqual(decision);
  });
});

describe('jitteredInterval', () => {
  it.each([
    [0, 900],
    [0.5, 1000],
    [1, 1100],
  ])('stays within ±10%% of the interval (random %s → %s)', (r, ms) => {
    expect(jitteredInterval(1000, () => r)).toBe(ms);
  });
});
