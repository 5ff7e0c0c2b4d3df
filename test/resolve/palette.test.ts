// Palette's side of resolution: upgrade rules on a moving lock, notSupported bounds, summed resources,
// manifest packs and the kernel layer. Pure: catalogue and lock are built here.
import { createHash } from 'node:crypto';
import type { ProfilePack, ResolvedPack } from '../../src/api/clusterprofile.js';
import type { PackDependency, PackVersion } from '../../src/api/pack.js';
import { RESOLVE_REASONS } from '../../src/resolve/problems.js';
import { profileReferences, resolveProfile, type ResolveInput } from '../../src/resolve/resolve-profile.js';
import { catalogue, failed, infraPacks, input, packSpec, version, ok, withPacks } from './fixtures.js';

const upgradeFrom = (minVersion?: string, maxVersion?: string, packName = 'argo-cd'): PackDependency => ({
  packName,
  type: 'upgrade',
  ...(minVersion !== undefined && { minVersion }),
  ...(maxVersion !== undefined && { maxVersion }),
});

/** argo-cd 3.20.0 and 3.26.7 as anything can reach them; 3.27.0 only from <=3.26.7-ish ranges the case gives. */
function argo(rules: PackDependency[], extra: PackVersion[] = []) {
  const packs = catalogue().set(
    'demo-helm/argo-cd',
    packSpec('demo-helm', 'argo-cd', [
      version('3.27.0', { dependencies: rules }),
      ...extra,
      version('3.26.7'),
      version('3.20.0'),
    ]),
  );
  return packs;
}
const lockAt = (v: string): ResolvedPack[] => [
  { name: 'argo-cd', layer: 'addon', registry: 'demo-helm', chart: 'argo-cd', version: v },
];
const argoProfile = (expr = '3.x') => withPacks([{ name: 'argo-cd', layer: 'addon', version: expr }]);
const resolveArgo = (rules: PackDependency[], locked: string | undefined, overrides: Partial<ResolveInput> = {}) =>
  resolveProfile(
    input({ ...argoProfile(), packs: argo(rules), ...(locked && { lock: lockAt(locked) }), ...overrides }),
  );

describe('upgrade rules: Auto moves a lock only where the new version allows it', () => {
  it('keeps the lock with UpgradeNotSupported when the newest match excludes the locked version, naming the way forward', () => {
    const result = failed(resolveArgo([upgradeFrom('3.26.0')], '3.20.0'));
    expect(result.reason).toBe('UpgradeNotSupported');
    expect(result.problems).toEqual([
      {
        reason: 'UpgradeNotSupported',
        packs: ['argo-cd'],
        message:
          'argo-cd 3.27.0 can be upgraded to only from >=3.26.0, not from the locked 3.20.0; the lock is kept; ' +
          'argo-cd 3.26.7 can be upgraded to from 3.20.0: pin it first, then 3.x again',
      },
    ]);
  });

  it('moves the lock when the locked version is within the rule (bounds inclusive)', () => {
    expect(ok(resolveArgo([upgradeFrom('3.26.7', '3.26.7')], '3.26.7')).resolved[0]!.version).toBe('3.27.0');
  });

  it.each([
    ['"" is unbounded', upgradeFrom('', ''), '3.20.0', true],
    ['only maxVersion (argo-cd 3.26.7 in pack-central)', upgradeFrom(undefined, '3.26.7'), '3.20.0', true],
    ['only minVersion (piraeus-operator 2.9.0)', upgradeFrom('3.21.0', ''), '3.20.0', false],
    ['a partial bound 3.20 means 3.20.0', upgradeFrom('3.20'), '3.20.0', true],
    ['a partial upper bound 3.19 excludes 3.20.0', upgradeFrom('', '3.19'), '3.20.0', false],
  ])('%s', (_title, rule, locked, moves) => {
    const result = resolveArgo([rule], locked);
    if (moves) expect(ok(result).resolved[0]!.version).toBe('3.27.0');
    else expect(failed(result).reason).toBe('UpgradeNotSupported');
  });

  it('accepts the locked version when any one of several rules admits it', () => {
    expect(
      ok(resolveArgo([upgradeFrom('3.26.0'), upgradeFrom('3.19.0', '3.20.5')], '3.20.0')).resolved[0]!.version,
    ).toBe('3.27.0');
  });

  it('ignores upgrade rules about another pack, and versions without rules', () => {
    expect(ok(resolveArgo([upgradeFrom('9.0.0', '', 'argo-workflows')], '3.20.0')).resolved[0]!.version).toBe('3.27.0');
    expect(ok(resolveArgo([], '3.20.0')).resolved[0]!.version).toBe('3.27.0');
  });

  it('applies no rule without a lock, when the lock stays, or when it moves down', () => {
    expect(ok(resolveArgo([upgradeFrom('3.26.0')], undefined)).resolved[0]!.version).toBe('3.27.0');
    expect(ok(resolveArgo([upgradeFrom('3.26.0')], '3.27.0')).resolved[0]!.version).toBe('3.27.0');
    expect(ok(resolveArgo([upgradeFrom('3.26.0')], '9.0.0')).resolved[0]!.version).toBe('3.27.0');
  });

  it('applies the rule when the spec changed to a new expression too: the running version is what is upgraded', () => {
    expect(failed(resolveArgo([upgradeFrom('3.26.0')], '3.20.0', argoProfile('3.27.0'))).reason).toBe(
      'UpgradeNotSupported',
    );
    expect(ok(resolveArgo([upgradeFrom('3.26.0')], '3.20.0', argoProfile('3.26.7'))).resolved[0]!.version).toBe(
      '3.26.7',
    );
  });

  it('says when no version the expression allows can be upgraded to from the lock', () => {
    const packs = catalogue().set(
      'demo-helm/argo-cd',
      packSpec('demo-helm', 'argo-cd', [
        version('3.27.0', { dependencies: [upgradeFrom('3.26.0')] }),
        version('3.20.0'),
      ]),
    );
    const result = failed(resolveProfile(input({ ...argoProfile(), packs, lock: lockAt('3.20.0') })));
    expect(result.message).toBe(
      'argo-cd 3.27.0 can be upgraded to only from >=3.26.0, not from the locked 3.20.0; the lock is kept; no newer 3.x version of argo-cd can be upgraded to from 3.20.0',
    );
  });

  it('reports a rule whose bound is not a version instead of guessing', () => {
    expect(failed(resolveArgo([upgradeFrom('three')], '3.20.0')).message).toMatch(
      /^argo-cd 3\.27\.0 declares minVersion "three" for argo-cd, which is not a version, so an upgrade from 3\.20\.0 cannot be checked; the lock is kept/,
    );
  });

  it('ranks UpgradeNotSupported after the dependency checks and before values', () => {
    const at = (r: string) => RESOLVE_REASONS.indexOf(r as (typeof RESOLVE_REASONS)[number]);
    expect(at('UpgradeNotSupported')).toBe(at('DependencyNotMet') + 1);
    // Then the pack content the values step reads, the profile's own manifests, then the values themselves.
    expect(at('PackContentUnavailable')).toBe(at('UpgradeNotSupported') + 1);
    expect(at('InvalidManifests')).toBe(at('PackContentUnavailable') + 1);
    expect(at('InvalidValues')).toBe(at('InvalidManifests') + 1);
  });
});

describe('upgrade rules: Manual lists the update with the same note', () => {
  it('keeps the lock and notes why the newest match cannot be taken as it is', () => {
    const result = ok(resolveArgo([upgradeFrom('3.26.0')], '3.20.0', { updatePolicy: 'Manual' }));
    expect(result.resolved[0]!.version).toBe('3.20.0');
    expect(result.updatesAvailable).toEqual([
      {
        name: 'argo-cd',
        current: '3.20.0',
        available: '3.27.0',
        note:
          'UpgradeNotSupported: argo-cd 3.27.0 can be upgraded to only from >=3.26.0, not from the locked 3.20.0; ' +
          'argo-cd 3.26.7 can be upgraded to from 3.20.0: pin it first, then 3.x again',
      },
    ]);
  });

  it('lists an update the rule allows without a note', () => {
    expect(ok(resolveArgo([upgradeFrom('3.0.0')], '3.20.0', { updatePolicy: 'Manual' })).updatesAvailable).toEqual([
      { name: 'argo-cd', current: '3.20.0', available: '3.27.0' },
    ]);
  });

  it('an update request follows the rule as Auto does', () => {
    expect(
      failed(resolveArgo([upgradeFrom('3.26.0')], '3.20.0', { updatePolicy: 'Manual', updateRequested: true })).reason,
    ).toBe('UpgradeNotSupported');
  });
});

describe('notSupported: Palette checks the bounds when there are any', () => {
  const withDep = (dep: PackDependency) =>
    resolveProfile(
      input({
        ...withPacks([...infraPacks(), { name: 'nginx', layer: 'addon', version: '4.10.0' }]),
        packs: catalogue().set(
          'demo-helm/nginx',
          packSpec('demo-helm', 'nginx', [version('4.10.0', { dependencies: [dep] })]),
        ),
      }),
    );
  it.each([
    ['no bounds: never alongside', {}, 'nginx 4.10.0 does not support cilium, which the profile includes'],
    [
      'within the bounds',
      { minVersion: '1.16', maxVersion: '' },
      'nginx 4.10.0 does not support cilium >=1.16, but the profile has 1.16.0',
    ],
    ['outside the bounds', { minVersion: '', maxVersion: '1.15.9' }, undefined],
  ])('%s', (_title, bounds, message) => {
    const result = withDep({ packName: 'cilium', type: 'notSupported', ...bounds });
    if (message === undefined) ok(result);
    else expect(failed(result).message).toBe(message);
  });
});

describe('minimum resources: summed over the chosen versions, in Palette units', () => {
  it('adds up minLimit per type (components are not evaluated) and leaves out types nobody declares', () => {
    const packs = catalogue()
      .set(
        'demo-helm/nginx',
        packSpec('demo-helm', 'nginx', [
          version('4.10.0', {
            resources: [
              { type: 'cpu', minLimit: 512, components: [{ scheduleType: 'worker' }] },
              { type: 'memory', minLimit: 1636 },
            ],
          }),
        ]),
      )
      .set(
        'demo-helm/cert-manager',
        packSpec('demo-helm', 'cert-manager', [
          version('1.14.4', { resources: [{ type: 'cpu', minLimit: 250.5 }, { type: 'memory' }] }),
        ]),
      );
    const result = ok(
      resolveProfile(
        input({
          ...withPacks([
            { name: 'nginx', layer: 'addon', version: 'latest' },
            { name: 'cert-manager', layer: 'addon', version: 'latest' },
          ]),
          packs,
        }),
      ),
    );
    expect(result.minimumResources).toEqual({ cpu: '762.5m', memory: '1636Mi' });
  });

  it('counts diskSize in GB and only the versions chosen', () => {
    const packs = catalogue().set(
      'demo-helm/nginx',
      packSpec('demo-helm', 'nginx', [
        version('4.10.0', { resources: [{ type: 'diskSize', minLimit: 20 }] }),
        version('4.9.1', { resources: [{ type: 'diskSize', minLimit: 99 }] }),
      ]),
    );
    const result = ok(
      resolveProfile(input({ ...withPacks([{ name: 'nginx', layer: 'addon', version: 'latest' }]), packs })),
    );
    expect(result.minimumResources).toEqual({ disk: '20G' });
  });

  it('is absent when no chosen version declares resources', () => {
    expect(ok(resolveProfile(input()))).not.toHaveProperty('minimumResources');
  });
});

describe('manifest packs', () => {
  const manifests = [
    { name: 'hello-universe', content: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: hello\n' },
    { name: 'config', content: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "é"\n' },
  ];
  const hello = (m = manifests, extra: Partial<ProfilePack> = {}): ProfilePack => ({
    name: 'hello',
    layer: 'addon',
    manifests: m,
    ...extra,
  });
  // The documented canonical form, written out by hand: a JSON array of {"content","name"} in order, keys sorted.
  const expectedDigest = (m: typeof manifests) =>
    `sha256:${createHash('sha256')
      .update(
        `[${m.map((x) => `{"content":${JSON.stringify(x.content)},"name":${JSON.stringify(x.name)}}`).join(',')}]`,
        'utf8',
      )
      .digest('hex')}`;

  it('resolve without any registry to the sha256 of their canonical content, in profile order', () => {
    const result = ok(
      resolveProfile(
        input({
          ...withPacks([{ name: 'nginx', layer: 'addon', version: 'latest' }, hello()]),
          registries: [{ name: 'demo-helm', ready: true, default: true }],
        }),
      ),
    );
    expect(result.resolved[1]).toEqual({ name: 'hello', layer: 'addon', digest: expectedDigest(manifests) });
  });

  it('need no registry at all, not even a default one', () => {
    expect(ok(resolveProfile(input({ ...withPacks([hello()]), registries: [] }))).resolved).toEqual([
      { name: 'hello', layer: 'addon', digest: expectedDigest(manifests) },
    ]);
  });

  it('change digest with a byte of content, a name or the order, and with nothing else', () => {
    const digest = (packs: ProfilePack[]) =>
      ok(resolveProfile(input({ ...withPacks(packs), registries: [] }))).resolved[0]!.digest;
    const base = digest([hello()]);
    expect(digest([hello([{ ...manifests[0]!, content: `${manifests[0]!.content} ` }, manifests[1]!])])).not.toBe(base);
    expect(digest([hello([{ ...manifests[0]!, name: 'other' }, manifests[1]!])])).not.toBe(base);
    expect(digest([hello([manifests[1]!, manifests[0]!])])).not.toBe(base);
    expect(digest([hello(manifests, { values: 'a: 1', name: 'renamed' })])).toBe(base);
  });

  it('must be Kubernetes objects, each problem named by manifest and line; templated ones are left to Palette', () => {
    const resolve = (content: string) =>
      resolveProfile(input({ ...withPacks([hello([manifests[0]!, { name: 'extra', content }])]), registries: [] }));
    const failure = failed(resolve('a: [\n'));
    expect(failure.reason).toBe('InvalidManifests');
    expect(failure.message).toMatch(/^hello: manifest extra, line \d+: /);
    expect(failed(resolve('- 1\n')).message).toBe(
      'hello: manifest extra, line 1: a Kubernetes object must be a YAML map',
    );
    expect(
      failed(resolve('apiVersion: v1\nkind: ConfigMap\n---\nkind: Secret\nmetadata:\n  name: s\n')).problems.map(
        (p) => [p.reason, p.message],
      ),
    ).toEqual([
      ['InvalidManifests', 'hello: manifest extra, line 1: metadata.name is required'],
      ['InvalidManifests', 'hello: manifest extra, line 4: apiVersion is required (a non-empty string)'],
    ]);
    expect(
      ok(resolve('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n')).resolved,
    ).toHaveLength(1);
    expect(ok(resolve('apiVersion: v1\nkind: List\nitems: []\n')).resolved).toHaveLength(1);
  });

  it('still have their values checked', () => {
    expect(
      failed(resolveProfile(input({ ...withPacks([hello(manifests, { values: '- a' })]), registries: [] }))).reason,
    ).toBe('InvalidValues');
  });

  it('are not references to index a profile by', () => {
    expect(
      profileReferences(withPacks([hello(), { name: 'nginx', layer: 'addon', version: '1.x' }]).profile.spec),
    ).toEqual([{ name: 'nginx', chart: 'nginx' }]);
  });
});

describe('the kernel layer', () => {
  it('resolves a kernel pack first in the lock, like any other layer', () => {
    const packs = catalogue().set(
      'demo-helm/kernel-hwe',
      packSpec('demo-helm', 'kernel-hwe', [version('6.8.0')], { layer: 'kernel' }),
    );
    const result = ok(
      resolveProfile(
        input({ ...withPacks([{ name: 'kernel-hwe', layer: 'kernel', version: '6.x' }, ...infraPacks()]), packs }),
      ),
    );
    expect(result.resolved.map((r) => [r.name, r.layer, r.version])[0]).toEqual(['kernel-hwe', 'kernel', '6.8.0']);
  });
});

describe('deprecation', () => {
  it('marks a lock entry whose chosen version the publisher deprecated', () => {
    const packs = catalogue().set(
      'demo-helm/nginx',
      packSpec('demo-helm', 'nginx', [version('4.10.0', { deprecated: true })]),
    );
    const result = ok(
      resolveProfile(input({ ...withPacks([{ name: 'nginx', layer: 'addon', version: 'latest' }]), packs })),
    );
    expect(result.resolved[0]).toMatchObject({ version: '4.10.0', deprecated: true });
  });
});
