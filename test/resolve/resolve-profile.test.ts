import { MAX_VALUES_BYTES, type ProfilePack, type ResolvedPack } from '../../src/api/clusterprofile.js';
import type { PackDependency, PackSpec } from '../../src/api/pack.js';
import { lockRevision } from '../../src/resolve/lock.js';
import type { ValuesSourceRef } from '../../src/resolve/values.js';
import {
  profileReferences,
  resolveProfile,
  type PackCatalog,
  type ResolveInput,
  type ResolveResult,
} from '../../src/resolve/resolve-profile.js';
import { catalogue, failed, infraPacks, input, packSpec, REGISTRIES, version, ok, withPacks } from './fixtures.js';

const versionsOf = (r: ResolveResult) => Object.fromEntries(ok(r).resolved.map((p) => [p.name, p.version]));

/** The catalogue with `name` in demo-helm replaced. */
function replacing(spec: PackSpec): Map<string, PackSpec> {
  return catalogue().set(`${spec.registry}/${spec.name}`, spec);
}

const addon = (name: string, version: string, extra: Partial<ProfilePack> = {}): ProfilePack => ({
  name,
  layer: 'addon',
  version,
  ...extra,
});

describe('resolveProfile: a profile that resolves', () => {
  it('locks every pack to one exact version with its digest and URL, in profile order', () => {
    const result = ok(resolveProfile(input()));
    expect(result.resolved).toEqual<ResolvedPack[]>([
      {
        name: 'ubuntu',
        layer: 'os',
        registry: 'demo-helm',
        chart: 'ubuntu',
        version: '22.4.0',
        appVersion: 'app-22.4.0',
        digest: `sha256:${'0'.repeat(56)}00002240`,
        url: 'https://charts.example.com/22.4.0.tgz',
      },
      expect.objectContaining({ name: 'kubernetes', layer: 'k8s', version: '1.28.2' }),
      expect.objectContaining({ name: 'cilium', layer: 'cni', version: '1.16.0' }),
      expect.objectContaining({ name: 'aws-ebs-csi', layer: 'csi', version: '2.30.0' }),
    ]);
    expect(result.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.revision).toBe(lockRevision(result.resolved));
    expect(result.updatesAvailable).toEqual([]);
  });

  it('leaves unset fields out of the lock', () => {
    const packs = replacing(packSpec('demo-helm', 'nginx', [{ version: '4.10.0' }]));
    const result = ok(resolveProfile(input({ ...withPacks([addon('nginx', 'latest')]), packs })));
    expect(result.resolved).toEqual([
      { name: 'nginx', layer: 'addon', registry: 'demo-helm', chart: 'nginx', version: '4.10.0' },
    ]);
  });

  it('resolves a renamed pack by its chart, from the registry it names', () => {
    const result = ok(
      resolveProfile(input(withPacks([addon('ingress', '4.x', { chart: 'nginx', registry: 'other' })]))),
    );
    expect(result.resolved).toEqual([
      expect.objectContaining({ name: 'ingress', registry: 'other', chart: 'nginx', version: '4.8.0' }),
    ]);
  });

  it('gives the same revision for the same lock, a different one when a version moves', () => {
    const a = ok(resolveProfile(input()));
    const b = ok(resolveProfile(input({ registries: [...REGISTRIES].reverse() })));
    expect(b.revision).toBe(a.revision);
    const packs = infraPacks().map((p) => (p.name === 'cilium' ? { ...p, version: '1.15.x' } : p));
    const c = ok(resolveProfile(input(withPacks(packs))));
    expect(c.revision).not.toBe(a.revision);
  });

  it('accepts a PackCatalog as well as a Map', () => {
    const map = catalogue();
    const catalog: PackCatalog = {
      get: (registry, chart) => map.get(`${registry}/${chart}`),
      names: (registry) => [...map.values()].filter((s) => s.registry === registry).map((s) => s.name),
    };
    expect(resolveProfile(input({ packs: catalog }))).toEqual(resolveProfile(input()));
    const missing = input({ ...withPacks([addon('cilum', '1.x')]) });
    expect(resolveProfile({ ...missing, packs: catalog })).toEqual(resolveProfile(missing));
  });
});

describe('resolveProfile: registries', () => {
  it('uses the one default registry for packs that name none', () => {
    const registries = [
      { name: 'demo-helm', ready: true, default: false },
      { name: 'other', ready: true, default: true },
    ];
    const result = ok(resolveProfile(input({ ...withPacks([addon('nginx', 'latest')]), registries })));
    expect(result.resolved[0]).toMatchObject({ registry: 'other', version: '4.8.0' });
  });

  it('fails with DefaultRegistryMissing naming every pack that relies on it', () => {
    const registries = REGISTRIES.map((r) => ({ ...r, default: false }));
    const packs = [
      addon('nginx', 'latest'),
      addon('named', 'latest', { registry: 'other', chart: 'nginx' }),
      addon('cert-manager', '^1'),
    ];
    const result = failed(resolveProfile(input({ ...withPacks(packs), registries })));
    expect(result.reason).toBe('DefaultRegistryMissing');
    expect(result.message).toBe('packs nginx, cert-manager name no registry and no PackRegistry is marked default');
    expect(result.problems).toEqual([
      { reason: 'DefaultRegistryMissing', packs: ['nginx', 'cert-manager'], message: result.message },
    ]);
  });

  it('fails with DefaultRegistryAmbiguous naming the registries that claim it', () => {
    const registries = REGISTRIES.map((r) => ({ ...r, default: true }));
    const result = failed(resolveProfile(input({ ...withPacks([addon('nginx', 'latest')]), registries })));
    expect(result.reason).toBe('DefaultRegistryAmbiguous');
    expect(result.message).toBe(
      'pack nginx names no registry and 2 PackRegistries are marked default: demo-helm, other',
    );
  });

  it('fails with RegistryNotReady for a registry that does not exist', () => {
    const result = failed(resolveProfile(input(withPacks([addon('nginx', 'latest', { registry: 'gone' })]))));
    expect(result.reason).toBe('RegistryNotReady');
    expect(result.message).toBe('registry gone (pack nginx) not found');
  });

  it('fails with RegistryNotReady quoting the reason and message of a registry that is not ready', () => {
    const registries = [
      { name: 'demo-helm', ready: false, reason: 'AuthenticationFailed', message: '401 Unauthorized', default: true },
    ];
    const result = failed(resolveProfile(input({ registries })));
    expect(result.reason).toBe('RegistryNotReady');
    expect(result.message).toBe(
      'registry demo-helm (packs ubuntu, kubernetes, cilium, aws-ebs-csi) is not ready: AuthenticationFailed: 401 Unauthorized',
    );
    const bare = failed(resolveProfile(input({ registries: [{ name: 'demo-helm', ready: false, default: true }] })));
    expect(bare.message).toBe('registry demo-helm (packs ubuntu, kubernetes, cilium, aws-ebs-csi) is not ready');
  });
});

describe('resolveProfile: PackNotFound', () => {
  it('names the pack and registry and lists the closest names it offers', () => {
    const result = failed(resolveProfile(input(withPacks([addon('cilum', '^1.15')]))));
    expect(result.reason).toBe('PackNotFound');
    expect(result.message).toBe(
      'pack cilum not found in registry demo-helm; it offers: cilium, nginx, ubuntu, cert-manager, kubernetes and 1 more',
    );
  });

  it('names the chart of a renamed pack', () => {
    const result = failed(
      resolveProfile(input(withPacks([addon('ingress', '^4', { chart: 'nginx-ingress', registry: 'other' })]))),
    );
    expect(result.message).toBe('pack ingress (chart nginx-ingress) not found in registry other; it offers: nginx');
  });

  it('says when the registry offers nothing', () => {
    const registries = [...REGISTRIES, { name: 'empty', ready: true, default: false }];
    const result = failed(
      resolveProfile(input({ ...withPacks([addon('nginx', '^4', { registry: 'empty' })]), registries })),
    );
    expect(result.message).toBe('pack nginx not found in registry empty; it offers no packs');
  });
});

describe('resolveProfile: LayerMismatch', () => {
  it("refuses a pack placed in another layer than its Pack's: Kubernetes as the CNI, a CNI pack as an add-on", () => {
    const swapped = infraPacks().map((p) =>
      p.name === 'kubernetes'
        ? { ...p, layer: 'cni' as const }
        : p.name === 'cilium'
          ? { ...p, layer: 'k8s' as const }
          : p,
    );
    const result = failed(resolveProfile(input(withPacks(swapped))));
    expect(result.reason).toBe('LayerMismatch');
    expect(result.problems.map((p) => p.message)).toEqual([
      'pack kubernetes in registry demo-helm is a k8s pack, placed in layer cni',
      'pack cilium in registry demo-helm is a cni pack, placed in layer k8s',
    ]);
    const asAddon = failed(resolveProfile(input(withPacks([addon('cilium', '^1.15')]))));
    expect(asAddon.message).toBe('pack cilium in registry demo-helm is a cni pack, placed in layer addon');
  });

  it('lets a chart that declares no layer (addon) fill any layer', () => {
    const packs = new Map(catalogue());
    packs.set('demo-helm/calico', packSpec('demo-helm', 'calico', [version('3.27.3')]));
    const withCalico = infraPacks().map((p) => (p.name === 'cilium' ? { ...p, name: 'calico', version: '3.x' } : p));
    expect(ok(resolveProfile(input({ ...withPacks(withCalico), packs }))).resolved.map((r) => r.name)).toContain(
      'calico',
    );
  });
});

describe('resolveProfile: NoMatchingVersion', () => {
  it('lists the versions the registry has', () => {
    const packs = replacing(packSpec('demo-helm', 'cilium', [version('1.13.0'), version('1.14.2')]));
    const result = failed(resolveProfile(input({ ...withPacks([addon('cilium', '^1.15')]), packs })));
    expect(result.reason).toBe('NoMatchingVersion');
    expect(result.message).toBe('cilium ^1.15 matches none of 1.14.2, 1.13.0 in demo-helm');
  });

  it('lists the newest few and counts the rest', () => {
    const versions = ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0', '1.6.0'].map((v) => version(v));
    const packs = replacing(packSpec('demo-helm', 'nginx', versions));
    const result = failed(resolveProfile(input({ ...withPacks([addon('nginx', '>=2')]), packs })));
    expect(result.message).toBe('nginx >=2 matches none of 1.6.0, 1.5.0, 1.4.0, 1.3.0, 1.2.0 and 2 more in demo-helm');
  });

  it('points at a prerelease the expression would match if it named one', () => {
    const packs = replacing(packSpec('demo-helm', 'cilium', [version('1.17.0-rc.1'), version('1.16.0')]));
    const result = failed(resolveProfile(input({ ...withPacks([addon('cilium', '1.17.x')]), packs })));
    expect(result.message).toBe(
      'cilium 1.17.x matches none of 1.17.0-rc.1, 1.16.0 in demo-helm ' +
        '(prerelease 1.17.0-rc.1 would, but prereleases are chosen only when the expression names one)',
    );
    const named = ok(resolveProfile(input({ ...withPacks([addon('cilium', '>=1.17.0-rc.0')]), packs })));
    expect(named.resolved[0]?.version).toBe('1.17.0-rc.1');
  });

  it('says when the pack has no versions at all', () => {
    const packs = replacing(packSpec('demo-helm', 'nginx', []));
    const result = failed(resolveProfile(input({ ...withPacks([addon('nginx', 'latest')]), packs })));
    expect(result.message).toBe('nginx latest matches no version in demo-helm: it lists none');
  });

  it('reports an expression that cannot be read', () => {
    const result = failed(resolveProfile(input(withPacks([addon('ingress', 'newest', { chart: 'nginx' })]))));
    expect(result.reason).toBe('NoMatchingVersion');
    expect(result.message).toBe(
      'ingress (chart nginx): version "newest" must be an exact version (1.2.3, 22.04), a range (^1.2, >=1.0 <2), a train (1.27.x, 1.x) or latest',
    );
  });
});

describe('resolveProfile: kubeVersion', () => {
  const on = (k8s: string, cni: string) =>
    withPacks(
      infraPacks().map((p) =>
        p.layer === 'k8s' ? { ...p, version: k8s } : p.layer === 'cni' ? { ...p, version: cni } : p,
      ),
    );

  it('checks every chart against the version the k8s layer resolved to, and names the newest match that fits', () => {
    const result = failed(resolveProfile(input(on('1.27.x', '^1.15'))));
    expect(result.reason).toBe('IncompatibleKubeVersion');
    expect(result.message).toBe(
      'cilium 1.16.0 requires kubeVersion >=1.28.0-0 but Kubernetes is 1.27.5 (pack kubernetes): ' +
        'the newest ^1.15 match that allows it is 1.15.3',
    );
  });

  it('says when no match fits', () => {
    const result = failed(resolveProfile(input(on('1.27.x', '1.16.x'))));
    expect(result.message).toBe(
      'cilium 1.16.0 requires kubeVersion >=1.28.0-0 but Kubernetes is 1.27.5 (pack kubernetes): no 1.16.x match allows it',
    );
  });

  it('passes when the constraint holds', () => {
    expect(versionsOf(resolveProfile(input(on('1.27.x', '~1.15.0'))))).toMatchObject({
      kubernetes: '1.27.5',
      cilium: '1.15.3',
    });
  });

  it('refuses a constraint that is not a range, as Helm does', () => {
    const packs = replacing(packSpec('demo-helm', 'nginx', [version('4.10.0', { kubeVersion: 'banana' })]));
    const result = failed(resolveProfile(input({ ...withPacks([...infraPacks(), addon('nginx', '4.x')]), packs })));
    expect(result.message).toBe(
      'nginx 4.10.0 declares kubeVersion "banana", which is not a SemVer range, so it cannot be checked against ' +
        'Kubernetes 1.28.2 (pack kubernetes)',
    );
  });

  it('is skipped for profiles without a k8s layer (add-on profiles)', () => {
    const packs = replacing(packSpec('demo-helm', 'nginx', [version('4.10.0', { kubeVersion: '>=9.0.0' })]));
    expect(versionsOf(resolveProfile(input({ ...withPacks([addon('nginx', '4.x')]), packs })))).toEqual({
      nginx: '4.10.0',
    });
  });

  it('is skipped when the k8s pack itself does not resolve (its own problem is reported)', () => {
    const result = failed(resolveProfile(input(on('1.99.x', '^1.15'))));
    expect(result.problems.map((p) => p.reason)).toEqual(['NoMatchingVersion']);
  });
});

describe('resolveProfile: Palette dependencies', () => {
  function withDeps(dependencies: PackDependency[], packs: ProfilePack[] = infraPacks()) {
    const catalog = replacing(packSpec('demo-helm', 'nginx', [version('4.10.0', { dependencies })]));
    return resolveProfile(input({ ...withPacks([...packs, addon('nginx', '4.10.0')]), packs: catalog }));
  }

  it('accepts dependencies that hold', () => {
    ok(
      withDeps([
        { packName: 'kubernetes', type: 'required', layer: 'k8s', minVersion: '1.27', maxVersion: '1.28.2' },
        { packName: 'cilium', type: 'optional', minVersion: '1.14.0' },
        { packName: 'cert-manager', type: 'optional', minVersion: '9.0.0' },
        { packName: 'calico', type: 'notSupported' },
      ]),
    );
  });

  it('requires a required pack to be present', () => {
    const result = failed(withDeps([{ packName: 'cert-manager', type: 'required', layer: 'addon' }]));
    expect(result.reason).toBe('DependencyNotMet');
    expect(result.message).toBe(
      'nginx 4.10.0 requires pack cert-manager (layer addon), which the profile does not include',
    );
  });

  it('requires a required pack within its bounds, inclusive', () => {
    ok(withDeps([{ packName: 'kubernetes', type: 'required', minVersion: '1.28.2', maxVersion: '1.28.2' }]));
    const result = failed(
      withDeps([{ packName: 'kubernetes', type: 'required', minVersion: '1.29.0', maxVersion: '1.30' }]),
    );
    expect(result.message).toBe('nginx 4.10.0 requires kubernetes >=1.29.0 <=1.30, but the profile has 1.28.2');
  });

  it('holds an optional pack to its bounds only when present', () => {
    ok(withDeps([{ packName: 'cert-manager', type: 'optional', maxVersion: '1.0.0' }]));
    const result = failed(
      withDeps(
        [{ packName: 'cert-manager', type: 'optional', maxVersion: '1.13.0' }],
        [addon('certs', '^1', { chart: 'cert-manager' })],
      ),
    );
    expect(result.message).toBe(
      'nginx 4.10.0 supports only cert-manager <=1.13.0, but the profile has 1.14.4 (pack certs)',
    );
  });

  it('refuses a pack that is not supported alongside', () => {
    const result = failed(withDeps([{ packName: 'cilium', type: 'notSupported' }]));
    expect(result.message).toBe('nginx 4.10.0 does not support cilium, which the profile includes');
  });

  it('narrows the match by layer when the dependency names one', () => {
    ok(withDeps([{ packName: 'cilium', type: 'notSupported', layer: 'addon' }]));
  });

  it('reports a bound that is not a version', () => {
    const result = failed(withDeps([{ packName: 'kubernetes', type: 'required', minVersion: 'one' }]));
    expect(result.message).toBe('nginx 4.10.0 declares minVersion "one" for kubernetes, which is not a version');
  });
});

describe('resolveProfile: values', () => {
  const ref = (name: string, extra: { optional?: boolean; valuesKey?: string } = {}) => ({
    kind: 'ConfigMap' as const,
    name,
    valuesKey: extra.valuesKey ?? 'values.yaml',
    optional: extra.optional ?? false,
  });
  const withValues = (pack: Partial<ProfilePack>, sources: Record<string, string> = {}) => {
    const asked: ValuesSourceRef[] = [];
    const result = resolveProfile(
      input({
        ...withPacks([addon('nginx', '4.x', pack)]),
        valuesSources: (r) => {
          asked.push(r);
          return sources[`${r.kind}/${r.namespace}/${r.name}/${r.key}`];
        },
      }),
    );
    return { result, asked };
  };

  it.each(['replicas: 2\nimage: {tag: x}\n', '', '# nothing yet\n', '~', '{}'])('accepts the values %j', (values) => {
    ok(withValues({ values }).result);
  });

  it.each([
    ['- a\n- b\n', 'not a YAML map but a list'],
    ['just text', 'not a YAML map but a string'],
    ['42', 'not a YAML map but a number'],
    ['a: 1\na: 2\n', 'not valid YAML: duplicated mapping key (line 2, column 1)'],
    ['a: [1\n', 'not valid YAML: deficient indentation (line 2, column 1)'],
    ['a: 1\n---\nb: 2\n', 'not valid YAML: expected a single document in the stream, but found more'],
  ])('refuses the values %j: %s', (values, why) => {
    const result = failed(withValues({ values }).result);
    expect(result.reason).toBe('InvalidValues');
    expect(result.message).toBe(`values of pack nginx: ${why}`);
  });

  it('refuses values over MAX_VALUES_BYTES, counting bytes, not characters', () => {
    const values = `a: "${'é'.repeat(MAX_VALUES_BYTES / 2)}"`;
    expect(failed(withValues({ values }).result).message).toBe(
      `values of pack nginx: too large: ${MAX_VALUES_BYTES + 5} bytes, more than the limit of ${MAX_VALUES_BYTES}`,
    );
  });

  it('looks valuesFrom keys up in the profile namespace and requires them unless optional', () => {
    const sources = { 'ConfigMap/demo/base/values.yaml': 'replicas: 2' };
    const good = withValues({ valuesFrom: [ref('base'), ref('extra', { optional: true })] }, sources);
    ok(good.result);
    expect(good.asked).toEqual([
      { kind: 'ConfigMap', namespace: 'demo', name: 'base', key: 'values.yaml' },
      { kind: 'ConfigMap', namespace: 'demo', name: 'extra', key: 'values.yaml' },
    ]);
    const bad = failed(withValues({ valuesFrom: [ref('base', { valuesKey: 'prod.yaml' })] }, sources).result);
    expect(bad.message).toBe('valuesFrom of pack nginx: ConfigMap demo/base key prod.yaml not found');
  });

  it('requires what valuesFrom points at to be a YAML map too, optional or not', () => {
    const sources = { 'ConfigMap/demo/base/values.yaml': '[1, 2]' };
    const result = failed(withValues({ valuesFrom: [ref('base', { optional: true })] }, sources).result);
    expect(result.message).toBe(
      'valuesFrom of pack nginx: ConfigMap demo/base key values.yaml: not a YAML map but a list',
    );
  });

  it('checks values even when the pack does not resolve', () => {
    const result = failed(withValues({ version: '^99', values: '- a' }).result);
    expect(result.problems.map((p) => p.reason)).toEqual(['NoMatchingVersion', 'InvalidValues']);
  });
});

describe('resolveProfile: atomic, every problem reported in a fixed order', () => {
  it('fails as a whole, most fundamental reason first, every offending pack in the message', () => {
    const packs = [
      addon('bad-values', '4.x', { chart: 'nginx', values: '- a' }),
      addon('cert-manager', '^9'),
      addon('gone', '1.x', { registry: 'missing' }),
      addon('cilum', 'latest'),
      addon('nginx', 'latest'),
    ];
    const result = failed(resolveProfile(input(withPacks(packs))));
    expect(result.reason).toBe('RegistryNotReady');
    expect(result.problems.map((p) => [p.reason, p.packs])).toEqual([
      ['RegistryNotReady', ['gone']],
      ['PackNotFound', ['cilum']],
      ['NoMatchingVersion', ['cert-manager']],
      ['InvalidValues', ['bad-values']],
    ]);
    expect(result.message).toBe(result.problems.map((p) => p.message).join('; '));
    expect(result).not.toHaveProperty('resolved');
  });

  it('gives the same answer whatever the order of registries and versions', () => {
    const shuffled = new Map(
      [...catalogue()].reverse().map(([k, s]) => [k, { ...s, versions: [...s.versions].reverse() }]),
    );
    expect(resolveProfile(input({ packs: shuffled, registries: [...REGISTRIES].reverse() }))).toEqual(
      resolveProfile(input()),
    );
  });
});

describe('resolveProfile: update policy', () => {
  const lock = (version: string, extra: Partial<ResolvedPack> = {}): ResolvedPack[] => [
    { name: 'cilium', layer: 'cni', registry: 'demo-helm', chart: 'cilium', version, ...extra },
  ];
  const manual = (overrides: Partial<ResolveInput>) => resolveProfile(input({ updatePolicy: 'Manual', ...overrides }));

  it('Auto follows the newest match whatever the lock says', () => {
    const result = ok(resolveProfile(input({ lock: lock('1.15.0') })));
    expect(versionsOf(result).cilium).toBe('1.16.0');
    expect(result.updatesAvailable).toEqual([]);
  });

  it('Manual keeps the locked version, with fresh metadata, and lists the newest match as an update', () => {
    const result = ok(manual({ lock: lock('1.15.0', { digest: 'sha256:old' }) }));
    expect(result.resolved[2]).toEqual({
      name: 'cilium',
      layer: 'cni',
      registry: 'demo-helm',
      chart: 'cilium',
      version: '1.15.0',
      appVersion: 'app-1.15.0',
      digest: `sha256:${'0'.repeat(56)}00001150`,
      url: 'https://charts.example.com/1.15.0.tgz',
    });
    expect(result.updatesAvailable).toEqual([{ name: 'cilium', current: '1.15.0', available: '1.16.0' }]);
  });

  it('Manual lists no update when the lock is the newest match', () => {
    expect(ok(manual({ lock: lock('1.16.0') })).updatesAvailable).toEqual([]);
  });

  it('takes updatePolicy from the spec unless the input overrides it', () => {
    const fromSpec = withPacks(infraPacks(), { updatePolicy: 'Manual' });
    expect(versionsOf(resolveProfile(input({ ...fromSpec, lock: lock('1.15.0') }))).cilium).toBe('1.15.0');
    expect(versionsOf(resolveProfile(input({ ...fromSpec, lock: lock('1.15.0'), updatePolicy: 'Auto' }))).cilium).toBe(
      '1.16.0',
    );
  });

  it('Manual re-resolves when the spec no longer allows the locked version', () => {
    const packs = infraPacks().map((p) => (p.name === 'cilium' ? { ...p, version: '^1.16' } : p));
    const result = ok(manual({ ...withPacks(packs), lock: lock('1.15.0') }));
    expect(versionsOf(result).cilium).toBe('1.16.0');
    expect(result.updatesAvailable).toEqual([]);
  });

  it('Manual re-resolves when the lock names another registry or chart', () => {
    expect(versionsOf(manual({ lock: lock('1.15.0', { registry: 'other' }) })).cilium).toBe('1.16.0');
    expect(versionsOf(manual({ lock: lock('1.15.0', { chart: 'cilium-cni' }) })).cilium).toBe('1.16.0');
  });

  it('Manual re-resolves when the locked version is gone from the registry', () => {
    const packs = replacing(packSpec('demo-helm', 'cilium', [version('1.16.0'), version('1.15.3')]));
    expect(versionsOf(manual({ packs, lock: lock('1.15.0') })).cilium).toBe('1.16.0');
  });

  it('an update request resolves as Auto for that round', () => {
    const result = ok(manual({ lock: lock('1.15.0'), updateRequested: true }));
    expect(versionsOf(result).cilium).toBe('1.16.0');
    expect(result.updatesAvailable).toEqual([]);
  });

  it('a kept lock still has to pass the cross-pack checks', () => {
    const packs = infraPacks().map((p) => (p.layer === 'k8s' ? { ...p, version: '1.27.x' } : p));
    const result = failed(manual({ ...withPacks(packs), lock: lock('1.16.0') }));
    expect(result.reason).toBe('IncompatibleKubeVersion');
  });
});

describe('profileReferences', () => {
  it('lists registry (when named) and chart of every pack, for indexing profiles', () => {
    const refs = profileReferences(
      withPacks([addon('a', '1.x'), addon('b', '1.x', { registry: 'other', chart: 'c' })]).profile.spec,
    );
    expect(refs).toEqual([
      { name: 'a', chart: 'a' },
      { name: 'b', registry: 'other', chart: 'c' },
    ]);
  });
});
