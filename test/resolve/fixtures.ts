import type { ClusterProfileSpec, ProfilePack } from '../../src/api/clusterprofile.js';
import type { PackSpec, PackVersion } from '../../src/api/pack.js';
import type { RegistryState } from '../../src/resolve/registries.js';
import type { ResolveInput, ResolveResult } from '../../src/resolve/resolve-profile.js';

export const NOW = new Date('2025-06-01T00:00:00Z');

export function version(v: string, extra: Partial<PackVersion> = {}): PackVersion {
  return {
    version: v,
    appVersion: `app-${v}`,
    digest: `sha256:${'0'.repeat(56)}${v.replace(/\D/g, '').padStart(8, '0').slice(-8)}`,
    urls: [`https://charts.example.com/${v}.tgz`],
    ...extra,
  };
}

export function packSpec(
  registry: string,
  name: string,
  versions: PackVersion[],
  extra: Partial<PackSpec> = {},
): PackSpec {
  return { registry, name, layer: 'addon', versions, ...extra };
}

/** One helm registry, `demo-helm` (the default), with a full stack's worth of packs. */
export function catalogue(): Map<string, PackSpec> {
  const specs = [
    packSpec('demo-helm', 'ubuntu', [version('22.4.0'), version('20.4.0')], { layer: 'os' }),
    packSpec('demo-helm', 'kubernetes', [version('1.29.0'), version('1.28.2'), version('1.27.5')], { layer: 'k8s' }),
    packSpec(
      'demo-helm',
      'cilium',
      [
        version('1.16.0', { kubeVersion: '>=1.28.0-0' }),
        version('1.16.0-rc.1', { kubeVersion: '>=1.28.0-0' }),
        version('1.15.3', { kubeVersion: '>=1.25.0-0' }),
        version('1.15.0'),
        version('1.14.2'),
      ],
      { layer: 'cni' },
    ),
    packSpec('demo-helm', 'aws-ebs-csi', [version('2.30.0')], { layer: 'csi' }),
    packSpec('demo-helm', 'nginx', [version('4.10.0'), version('4.9.1')]),
    packSpec('demo-helm', 'cert-manager', [version('1.14.4'), version('1.13.0')]),
    packSpec('other', 'nginx', [version('4.8.0')]),
  ];
  return new Map(specs.map((s) => [`${s.registry}/${s.name}`, s]));
}

export const REGISTRIES: RegistryState[] = [
  { name: 'demo-helm', ready: true, default: true },
  { name: 'other', ready: true, default: false },
];

export function infraPacks(): ProfilePack[] {
  return [
    { name: 'ubuntu', layer: 'os', version: '22.4.0' },
    { name: 'kubernetes', layer: 'k8s', version: '1.28.x' },
    { name: 'cilium', layer: 'cni', version: '^1.15' },
    { name: 'aws-ebs-csi', layer: 'csi', version: 'latest' },
  ];
}

export function spec(packs: ProfilePack[], extra: Partial<ClusterProfileSpec> = {}): ClusterProfileSpec {
  const type = packs.every((p) => p.layer === 'addon') ? 'add-on' : 'full';
  return { type, version: '1.0.0', updatePolicy: 'Auto', packs, ...extra };
}

/** An input that resolves, with every part replaceable. */
export function input(overrides: Partial<ResolveInput> & { packs?: ResolveInput['packs'] } = {}): ResolveInput {
  return {
    profile: { spec: spec(infraPacks()), namespace: 'demo' },
    packs: catalogue(),
    registries: REGISTRIES,
    valuesSources: () => undefined,
    updateRequested: false,
    now: NOW,
    ...overrides,
  };
}

export function withPacks(
  packs: ProfilePack[],
  extra: Partial<ClusterProfileSpec> = {},
): Pick<ResolveInput, 'profile'> {
  return { profile: { spec: spec(packs, extra), namespace: 'demo' } };
}

/** The successful result, or a failure that says what went wrong instead. */
export function ok(result: ResolveResult) {
  if (!result.ok) throw new Error(`expected success, got ${result.reason}: ${result.message}`);
  return result;
}

/** The failed result, or a failure that shows what resolved instead. */
export function failed(result: ResolveResult) {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.resolved)}`);
  return result;
}
