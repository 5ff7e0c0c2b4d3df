// The soak, small: 20 Helm + 2 OCI registries and 200 profiles for 60 s of seeded faults, on a
// control plane of its own, with two real operator processes. The same driver as `make soak`
// (test/soak/soak.ts); its report lands in soak-results/ like the long run's.
import { runSoak, soakConfig, type SoakOutcome } from './soak.js';

const SEED = Number(process.env.SOAK_SEED ?? 20261123);

describe('soak (quick)', () => {
  let outcome: SoakOutcome;

  beforeAll(async () => {
    outcome = await runSoak(
      soakConfig({
        durationMs: 60_000,
        registries: 20,
        ociRegistries: 2,
        profiles: 200,
        seed: SEED,
        label: 'quick',
        apiserverRestarts: 1,
        leaderKills: 1,
        meanEventGapMs: 600,
        settleTimeoutMs: 90_000,
        staleAfterMs: 60_000,
        rssSettleMs: 5_000,
        log: (line) => process.stderr.write(`[soak] ${line}\n`),
      }),
    );
  }, 300_000); // setup alone takes a minute on a loaded machine (2 cores, several suites at once)

  it('holds every invariant: no lost update, no lost Pack, named reasons, no secret, drained queue, flat RSS', () => {
    expect(outcome.violations).toEqual([]);
  });

  it('injected every kind of event and measured the system recovering from each', () => {
    const { report } = outcome;
    const kinds = [
      'publish',
      'profileEdit',
      'outage',
      'rotateCredentials',
      'recreateRegistry',
      'apiserverRestart',
      'leaderKill',
    ];
    expect(Object.fromEntries(kinds.map((k) => [k, (report.injected[k] ?? 0) > 0]))).toEqual(
      Object.fromEntries(kinds.map((k) => [k, true])),
    );
    expect(report.failoversMs).toHaveLength(1);
    expect(report.convergence.leaderKill).toHaveLength(1);
    expect(report.convergence.apiserverRestart).toHaveLength(1);
    expect(report.convergence.profileEdit!.length).toBeGreaterThan(5);
    expect(report.conditionChecks.passed).toBeGreaterThan(0);
    const { pass: _pass, ...faults } = report.faults;
    expect(Object.values(faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });
});
