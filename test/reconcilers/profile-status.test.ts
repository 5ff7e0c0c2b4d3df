// profileStatus is pure: previous status, resolution and time in, the whole status out. Each row is
// one situation a profile can be in, on a fixed clock.
import type { ClusterProfileStatus, ResolvedPack } from '../../src/api/clusterprofile.js';
import { RECONCILIATION_FAILED } from '../../src/api/reasons.js';
import { lockText, profileStatus, type ResolutionOutcome } from '../../src/reconcilers/profile-status.js';

const T0 = new Date('2026-01-01T00:00:00.250Z');
const T1 = new Date('2026-01-01T01:00:00.750Z');

const pack = (name: string, version: string): ResolvedPack => ({
  name,
  layer: 'addon',
  registry: 'charts',
  chart: name,
  version,
});
const resolved = (
  revision: string,
  packs = [pack('nginx', '4.10.0')],
  updates: { name: string; current: string; available: string }[] = [],
): ResolutionOutcome => ({
  ok: true,
  resolved: packs,
  revision,
  updatesAvailable: updates,
});
const failure = (reason: string): ResolutionOutcome =>
  ({ ok: false, reason, message: `${reason} happened`, problems: [] }) as ResolutionOutcome;

/** What one good resolution at T0 wrote. */
const good: ClusterProfileStatus = profileStatus({
  previous: undefined,
  generation: 1,
  result: resolved('sha256:r1'),
  now: T0,
});

const summary = (s: ClusterProfileStatus) =>
  Object.fromEntries((s.conditions ?? []).map((c) => [c.type, `${c.status} ${c.reason}`]));

describe('profileStatus', () => {
  it.each<[string, ResolutionOutcome, Record<string, string>]>([
    [
      'a resolution is Ready and Resolved',
      resolved('sha256:r2'),
      { Ready: 'True Resolved', Resolved: 'True Resolved' },
    ],
    [
      'a registry not ready yet is retried',
      failure('RegistryNotReady'),
      { Ready: 'False RegistryNotReady', Reconciling: 'True ProgressingWithRetry', Resolved: 'False RegistryNotReady' },
    ],
    [
      'a missing pack stalls: a person must act',
      failure('PackNotFound'),
      { Ready: 'False PackNotFound', Stalled: 'True PackNotFound', Resolved: 'False PackNotFound' },
    ],
    [
      'no matching version stalls',
      failure('NoMatchingVersion'),
      { Ready: 'False NoMatchingVersion', Stalled: 'True NoMatchingVersion', Resolved: 'False NoMatchingVersion' },
    ],
    [
      'an unexpected error is retried',
      failure(RECONCILIATION_FAILED),
      {
        Ready: 'False ReconciliationFailed',
        Reconciling: 'True ProgressingWithRetry',
        Resolved: 'False ReconciliationFailed',
      },
    ],
  ])('%s', (_, result, conditions) => {
    expect(summary(profileStatus({ previous: good, generation: 2, result, now: T1 }))).toEqual(conditions);
  });

  it('counts packs and updates in words', () => {
    const one = profileStatus({
      previous: undefined,
      generation: 1,
      result: resolved('sha256:r1', [pack('a', '1.0.0')], [{ name: 'a', current: '1.0.0', available: '1.1.0' }]),
      now: T0,
    });
    expect(one.conditions?.find((c) => c.type === 'Ready')?.message).toBe('resolved 1 pack; 1 update available');
    const two = profileStatus({
      previous: undefined,
      generation: 1,
      result: resolved('sha256:r1', [pack('a', '1.0.0'), pack('b', '2.0.0')]),
      now: T0,
    });
    expect(two.conditions?.find((c) => c.type === 'Ready')?.message).toBe('resolved 2 packs');
  });

  it('moves lastResolvedTime only when the lock changes, at whole seconds', () => {
    expect(good.lastResolvedTime).toBe('2026-01-01T00:00:00Z');
    expect(
      profileStatus({ previous: good, generation: 1, result: resolved('sha256:r1'), now: T1 }).lastResolvedTime,
    ).toBe('2026-01-01T00:00:00Z');
    expect(
      profileStatus({ previous: good, generation: 1, result: resolved('sha256:r2'), now: T1 }).lastResolvedTime,
    ).toBe('2026-01-01T01:00:00Z');
  });

  it('keeps the last good lock when resolution fails', () => {
    const s = profileStatus({
      previous: good,
      generation: 2,
      result: failure('PackNotFound'),
      now: T1,
      updateRequest: 'u1',
    });
    expect(s).toMatchObject({
      resolved: good.resolved,
      revision: 'sha256:r1',
      lastResolvedTime: good.lastResolvedTime,
      observedGeneration: 2,
      lastHandledUpdateRequest: 'u1',
    });
  });

  it('shows a lock entry as name=version, a manifest pack by the start of its digest', () => {
    expect(lockText(pack('nginx', '4.10.0'))).toBe('nginx=4.10.0');
    expect(lockText({ name: 'extras', layer: 'addon', digest: `sha256:${'ab'.repeat(32)}` })).toBe(
      'extras=sha256:abababababab',
    );
  });
});
