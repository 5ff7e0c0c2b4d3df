import type { PackVersion } from '../../src/api/pack.js';
import type { VersionVerification } from '../../src/api/verification.js';
import { resolveProfile } from '../../src/resolve/resolve-profile.js';
import { admits, admitted } from '../../src/resolve/verification.js';
import { failed, input, ok, packSpec, version, withPacks } from './fixtures.js';

const KEY = `sha256:${'a'.repeat(64)}`;
const verifiedBy: VersionVerification = { state: 'Verified', signer: KEY, method: 'cosign-tag' };
const unsigned: VersionVerification = { state: 'Unsigned', reason: 'no cosign signature' };
const wrongKey: VersionVerification = {
  state: 'Failed',
  method: 'cosign-tag',
  reason: 'does not verify with key sha256:aaaa',
};

/** nginx in demo-helm, newest first: 4.11.0 failed, 4.10.0 unsigned, 4.9.1 verified. */
function signedCatalogue(
  versions: PackVersion[] = [
    version('4.11.0', { verification: wrongKey }),
    version('4.10.0', { verification: unsigned }),
    version('4.9.1', { verification: verifiedBy }),
  ],
) {
  const packs = new Map([['demo-helm/nginx', packSpec('demo-helm', 'nginx', versions)]]);
  return packs;
}

const resolveNginx = (
  verification: 'Required' | 'IfPresent' | 'Off' | undefined,
  versions?: PackVersion[],
  expr = '^4.9',
) =>
  resolveProfile(
    input({
      packs: signedCatalogue(versions),
      ...withPacks([{ name: 'nginx', layer: 'addon', version: expr }], verification ? { verification } : {}),
    }),
  );

describe('verification policy', () => {
  it('admits by state: Required only Verified, IfPresent all but Failed, Off everything', () => {
    const table = [verifiedBy, unsigned, wrongKey, undefined].map((v) => {
      const pv = version('1.0.0', v ? { verification: v } : {});
      return [v?.state ?? 'unchecked', admits('Required', pv), admits('IfPresent', pv), admits('Off', pv)];
    });
    expect(table).toEqual([
      ['Verified', true, true, true],
      ['Unsigned', false, true, true],
      ['Failed', false, false, true],
      ['unchecked', false, true, true],
    ]);
  });

  it('admitted: the list itself when the policy refuses none, else the same filtered list each time', () => {
    const versions = [
      version('4.11.0', { verification: wrongKey }),
      version('4.10.0', { verification: unsigned }),
      version('4.9.1', { verification: verifiedBy }),
    ];
    expect(admitted('Off', versions)).toBe(versions);
    const ifPresent = admitted('IfPresent', versions);
    expect(ifPresent.map((v) => v.version)).toEqual(['4.10.0', '4.9.1']);
    expect(admitted('IfPresent', versions)).toBe(ifPresent);
    expect(admitted('Required', versions).map((v) => v.version)).toEqual(['4.9.1']);
  });

  it('Required locks the newest verified match and records how it was verified', () => {
    const lock = ok(resolveNginx('Required')).resolved[0]!;
    expect(lock).toMatchObject({
      version: '4.9.1',
      verification: { state: 'Verified', signer: KEY, method: 'cosign-tag' },
    });
    expect(lock.verification).not.toHaveProperty('reason');
  });

  it('IfPresent (the default) skips a failed signature but takes an unsigned version, marked unsigned', () => {
    for (const policy of ['IfPresent', undefined] as const) {
      expect(ok(resolveNginx(policy)).resolved[0]).toMatchObject({
        version: '4.10.0',
        verification: { state: 'Unsigned' },
      });
    }
  });

  it('Off takes the newest match whatever its signature', () => {
    expect(ok(resolveNginx('Off')).resolved[0]!.version).toBe('4.11.0');
  });

  it('fails with VerificationFailed naming each matching version and why, when nothing verified matches', () => {
    const result = failed(resolveNginx('Required', undefined, '^4.10'));
    expect(result.reason).toBe('VerificationFailed');
    expect(result.message).toBe(
      'nginx ^4.10: no matching version is verified (verification Required): ' +
        '4.11.0 Failed (does not verify with key sha256:aaaa), 4.10.0 Unsigned (no cosign signature)',
    );
  });

  it('says when the registry verifies nothing at all', () => {
    const result = failed(resolveNginx('Required', [version('4.10.0')], '^4.10'));
    expect(result.message).toMatch(
      /4\.10\.0 not checked; registry demo-helm does not verify signatures \(spec\.verify unset\)$/,
    );
  });

  it('ranks after NoMatchingVersion: a version that does not exist is the more fundamental problem', () => {
    const result = failed(
      resolveProfile(
        input({
          packs: signedCatalogue(),
          ...withPacks(
            [
              { name: 'nginx', layer: 'addon', version: '^4.10' },
              { name: 'ghost', layer: 'addon', version: '1.0.0', chart: 'nginx' },
            ],
            { verification: 'Required' },
          ),
        }),
      ),
    );
    expect(result.problems.map((p) => p.reason)).toEqual(['NoMatchingVersion', 'VerificationFailed']);
  });

  it('a Manual lock on a version whose signature now fails moves to an admitted one', () => {
    const lock = ok(
      resolveNginx('IfPresent', [
        version('4.10.0', { verification: unsigned }),
        version('4.9.1', { verification: verifiedBy }),
      ]),
    ).resolved;
    const result = resolveProfile(
      input({
        packs: signedCatalogue([
          version('4.10.0', { verification: wrongKey }),
          version('4.9.1', { verification: verifiedBy }),
        ]),
        ...withPacks([{ name: 'nginx', layer: 'addon', version: '^4.9' }], { updatePolicy: 'Manual' }),
        lock,
      }),
    );
    expect(ok(result).resolved[0]!.version).toBe('4.9.1');
  });
});
