// registryStatus is pure: previous status, outcome and time in, the whole status out. Each row is one
// situation a registry can be in, on a fixed clock.
import type { PackRegistryStatus } from '../../src/api/packregistry.js';
import { registryStatus, unexpectedFailure, type SyncOutcome } from '../../src/reconcilers/registry-status.js';

const T0 = new Date('2026-01-01T00:00:00.250Z');
const T1 = new Date('2026-01-01T01:00:00.750Z');
const URL = 'https://charts.example.com/stable';

const synced = (extra: Partial<Extract<SyncOutcome, { kind: 'synced' }>> = {}): SyncOutcome => ({
  kind: 'synced',
  revision: 'sha256:aaaa',
  etag: '"e1"',
  packCount: 2,
  versionCount: 5,
  skippedVersions: 0,
  changed: true,
  ...extra,
});
const failed = (
  reason: Extract<SyncOutcome, { kind: 'failed' }>['reason'],
  message = `${reason} happened`,
): SyncOutcome => ({
  kind: 'failed',
  reason,
  message,
});

/** What one good sync at T0 wrote. */
const good: PackRegistryStatus = registryStatus({
  previous: undefined,
  generation: 1,
  outcome: synced(),
  url: URL,
  now: T0,
});

const condition = (s: PackRegistryStatus, type: string) => s.conditions?.find((c) => c.type === type);
const summary = (s: PackRegistryStatus) =>
  Object.fromEntries((s.conditions ?? []).map((c) => [c.type, `${c.status} ${c.reason}`]));

describe('registryStatus', () => {
  it.each<[string, PackRegistryStatus | undefined, SyncOutcome, Record<string, string>]>([
    ['a first sync is Ready', undefined, synced(), { Ready: 'True Synced' }],
    ['an unchanged catalogue stays Ready', good, { kind: 'unchanged' }, { Ready: 'True Synced' }],
    [
      'rejected credentials stall: a person must act',
      good,
      failed('AuthenticationFailed'),
      { Ready: 'False AuthenticationFailed', Stalled: 'True AuthenticationFailed' },
    ],
    [
      'a timeout is retried',
      good,
      failed('Timeout'),
      { Ready: 'False Timeout', Reconciling: 'True ProgressingWithRetry' },
    ],
    [
      'a rate limit is retried',
      good,
      failed('RateLimited'),
      { Ready: 'False RateLimited', Reconciling: 'True ProgressingWithRetry' },
    ],
    [
      'an unsupported type stalls',
      undefined,
      failed('Unsupported'),
      { Ready: 'False Unsupported', Stalled: 'True Unsupported' },
    ],
    [
      'an unexpected error is retried',
      good,
      unexpectedFailure(new Error('boom')),
      { Ready: 'False ReconciliationFailed', Reconciling: 'True ProgressingWithRetry' },
    ],
  ])('%s', (_, previous, outcome, conditions) => {
    expect(summary(registryStatus({ previous, generation: 2, outcome, url: URL, now: T1 }))).toEqual(conditions);
  });

  it('counts packs and versions in words, and the versions it skipped', () => {
    const one = registryStatus({
      previous: undefined,
      generation: 1,
      outcome: synced({ packCount: 1, versionCount: 1, skippedVersions: 1 }),
      url: URL,
      now: T0,
    });
    expect(condition(one, 'Ready')?.message).toBe(
      `synced 1 pack (1 version) from ${URL}; skipped 1 unusable version (not SemVer, duplicated, or not a chart or pack)`,
    );
    expect(condition(good, 'Ready')?.message).toBe(`synced 2 packs (5 versions) from ${URL}`);
  });

  it('writes times at whole seconds, as metav1.Time does', () => {
    const s = registryStatus({
      previous: undefined,
      generation: 1,
      outcome: synced(),
      url: URL,
      now: T0,
      nextSyncAt: T1,
    });
    expect(s).toMatchObject({
      lastSyncTime: '2026-01-01T00:00:00Z',
      lastAttemptTime: '2026-01-01T00:00:00Z',
      nextSyncTime: '2026-01-01T01:00:00Z',
    });
    expect(condition(s, 'Ready')?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
  });

  it('keeps everything the last good sync wrote when a sync fails', () => {
    const s = registryStatus({ previous: good, generation: 1, outcome: failed('FetchFailed'), url: URL, now: T1 });
    expect(s).toMatchObject({
      revision: 'sha256:aaaa',
      etag: '"e1"',
      packCount: 2,
      versionCount: 5,
      lastSyncTime: good.lastSyncTime,
    });
    expect(s.lastAttemptTime).toBe('2026-01-01T01:00:00Z');
  });

  it('keeps the message of the sync that built the catalogue when it is unchanged', () => {
    const s = registryStatus({ previous: good, generation: 1, outcome: { kind: 'unchanged' }, url: URL, now: T1 });
    expect(condition(s, 'Ready')?.message).toBe(condition(good, 'Ready')?.message);
    expect(s.lastSyncTime).toBe('2026-01-01T01:00:00Z');
  });

  it('moves lastTransitionTime only when Ready changes status, not when a failure changes reason', () => {
    const first = registryStatus({ previous: good, generation: 1, outcome: failed('Timeout'), url: URL, now: T0 });
    const second = registryStatus({
      previous: first,
      generation: 1,
      outcome: failed('FetchFailed'),
      url: URL,
      now: T1,
    });
    expect(condition(second, 'Ready')).toMatchObject({
      reason: 'FetchFailed',
      lastTransitionTime: condition(first, 'Ready')?.lastTransitionTime,
    });
  });

  it('records the sync request it handled, and while suspended changes nothing else', () => {
    const s = registryStatus({
      previous: good,
      generation: 3,
      outcome: { kind: 'suspended' },
      url: URL,
      now: T1,
      syncRequest: 'r1',
    });
    expect(s).toEqual({ ...good, observedGeneration: 3, lastHandledSyncRequest: 'r1' });
  });
});
