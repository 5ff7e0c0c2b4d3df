// What the soak builds and how it judges it: the charts of its repositories, the profiles it
// generates, and the direct computation of what a profile's status must be (the pure resolver run
// on the Packs and registries as read back from the cluster).
import { registryState } from '../../src/reconcilers/clusterprofile-reconciler.js';
import type { KubernetesObject } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import { compare, parse } from 'semver';
import type { ClusterProfile, ClusterProfileSpec, ProfilePack } from '../../src/api/clusterprofile.js';
import type { Layer } from '../../src/api/common.js';
import type { Pack } from '../../src/api/pack.js';
import type { PackRegistry } from '../../src/api/packregistry.js';
import { getCondition, type Condition } from '../../src/controller/conditions.js';
import type { RegistryState } from '../../src/resolve/registries.js';
import { resolveProfile, type PackCatalog, type ResolveResult } from '../../src/resolve/resolve-profile.js';
import { withEffectiveValues } from '../../src/resolve/values-step.js';
import type { ChartSpec } from '../harness/helm-charts.js';
import { SEEDED_CHART_VALUES } from '../harness/oci-registry.js';
import type { Rng } from './rng.js';

export type ProfileObject = ClusterProfile & KubernetesObject & { metadata: { name: string; namespace: string } };
export type RegistryObject = PackRegistry & KubernetesObject & { metadata: { name: string } };
export type PackObject = Pack & KubernetesObject;

export interface ChartDef {
  name: string;
  layer: Layer;
  initial: string[];
  /** Version expressions a profile may use for this chart (one names a version that never exists). */
  expressions: string[];
  kubeVersion?: (version: string) => string | undefined;
}

export const INFRA_CHARTS: ChartDef[] = [
  {
    name: 'ubuntu',
    layer: 'os',
    initial: ['20.4.6', '22.4.3', '22.4.4'],
    expressions: ['latest', '22.4.x', '20.4.x', '^22.4', '>=20.4 <23'],
  },
  {
    name: 'kubernetes',
    layer: 'k8s',
    initial: ['1.27.16', '1.28.13', '1.29.8', '1.30.4'],
    expressions: ['latest', '1.30.x', '1.29.x', '1.28.x', '1.27.x', '~1.29.0', '>=1.28 <1.31'],
  },
  {
    name: 'calico',
    layer: 'cni',
    initial: ['3.26.4', '3.27.3'],
    expressions: ['latest', '3.27.x', '3.26.x', '^3.26'],
    // From 3.27 on it needs Kubernetes 1.28: profiles on 1.27.x fail with IncompatibleKubeVersion.
    kubeVersion: (v) => (compare(v, '3.27.0') >= 0 ? '>=1.28.0-0' : undefined),
  },
  { name: 'aws-ebs', layer: 'csi', initial: ['1.29.0', '1.30.0'], expressions: ['latest', '1.x', '1.30.x', '1.29.x'] },
  {
    name: 'podinfo',
    layer: 'addon',
    initial: ['6.6.0', '6.7.0'],
    expressions: ['latest', '^6', '6.7.x', '6.6.0', '>=6.6 <7'],
  },
];

export const ADDON_CHARTS: ChartDef[] = [
  {
    name: 'podinfo',
    layer: 'addon',
    initial: ['6.6.0', '6.7.0'],
    expressions: ['latest', '^6', '6.7.x', '6.6.0', '>=6.6 <7'],
  },
  {
    name: 'metrics-server',
    layer: 'addon',
    initial: ['3.11.0', '3.12.1'],
    expressions: ['latest', '^3', '3.12.x', '3.11.0'],
  },
  { name: 'nginx', layer: 'addon', initial: ['4.10.0', '4.11.2'], expressions: ['latest', '^4', '4.11.x', '4.10.x'] },
  {
    name: 'cert-manager',
    layer: 'addon',
    initial: ['1.14.5', '1.15.3'],
    expressions: ['latest', '1.x', '1.15.x', '1.14.x'],
  },
  // 9.9.9 never exists: those profiles stay NoMatchingVersion, a failure that must stay named.
  {
    name: 'logging',
    layer: 'addon',
    initial: ['0.9.0', '1.0.0'],
    expressions: ['latest', '^1', '0.9.x', '1.0.0', '9.9.9'],
  },
];

export const CHARTS_BY_NAME = new Map([...INFRA_CHARTS, ...ADDON_CHARTS].map((c) => [c.name, c]));

export function chartSpec(def: ChartDef, version: string): ChartSpec {
  const kubeVersion = def.kubeVersion?.(version.replace(/-.*$/, ''));
  return {
    name: def.name,
    version,
    appVersion: version,
    ...(kubeVersion && { kubeVersion }),
    annotations: { 'packyard.io/layer': def.layer },
  };
}

/**
 * The next version to publish of a chart: mostly a patch on one of its trains (so older trains get
 * backports too), sometimes a new minor, sometimes a prerelease (which the catalogue keeps, flagged, and resolution skips unless named).
 */
export function nextVersion(rng: Rng, versions: readonly string[]): string {
  const stable = versions.filter((v) => parse(v)?.prerelease.length === 0).sort(compare);
  const latest = parse(stable[stable.length - 1]!)!;
  const roll = rng.next();
  if (roll < 0.1) {
    const n = versions.filter((v) => v.startsWith(`${latest.major}.${latest.minor + 1}.0-rc.`)).length + 1;
    return `${latest.major}.${latest.minor + 1}.0-rc.${n}`;
  }
  if (roll < 0.3) return `${latest.major}.${latest.minor + 1}.0`;
  const base = parse(rng.pick(stable))!;
  const train = stable.map((v) => parse(v)!).filter((v) => v.major === base.major && v.minor === base.minor);
  return `${base.major}.${base.minor}.${Math.max(...train.map((v) => v.patch)) + 1}`;
}

export interface RegistryPlan {
  name: string;
  flavour: 'infra' | 'addon';
  charts: ChartDef[];
  isDefault: boolean;
}

export const PROFILE_NAMESPACES = ['soak-a', 'soak-b', 'soak-c', 'soak-d'];

function pack(rng: Rng, def: ChartDef, registry: string | undefined): ProfilePack {
  return {
    name: def.name,
    layer: def.layer,
    ...(registry !== undefined && { registry }),
    version: rng.pick(def.expressions),
    ...(rng.chance(0.3) && { values: `replicaCount: ${rng.int(1, 5)}\n` }),
  };
}

/** Profiles of every type spread over the registries: infra stacks, add-on sets, and full stacks on the default registry. */
export function makeProfiles(rng: Rng, count: number, registries: RegistryPlan[]): ProfileObject[] {
  const infra = registries.filter((r) => r.flavour === 'infra');
  const addon = registries.filter((r) => r.flavour === 'addon');
  const profiles: ProfileObject[] = [];
  for (let i = 0; i < count; i++) {
    const roll = rng.next();
    let spec: ClusterProfileSpec;
    const addons = (n: number) => {
      const picked = new Map<string, ProfilePack>();
      for (let k = 0; k < n; k++) {
        const reg = rng.pick(addon);
        const def = rng.pick(reg.charts);
        if (!picked.has(def.name)) picked.set(def.name, pack(rng, def, reg.name));
      }
      return [...picked.values()];
    };
    if (roll < 0.5 || addon.length === 0) {
      const reg = rng.pick(infra);
      const [os, k8s, cni, csi, podinfo] = INFRA_CHARTS as [ChartDef, ChartDef, ChartDef, ChartDef, ChartDef];
      const packs = [pack(rng, os, reg.name), pack(rng, k8s, reg.name), pack(rng, cni, reg.name)];
      if (rng.chance(0.5)) packs.push(pack(rng, csi, reg.name));
      // With an add-on beside the infra packs the profile is full (infra profiles hold no add-ons).
      if (rng.chance(0.5)) packs.push(pack(rng, podinfo, reg.name));
      const type = packs.some((p) => p.layer === 'addon') ? 'full' : 'infra';
      spec = { type, version: '1.0.0', updatePolicy: 'Auto', packs };
    } else if (roll < 0.9) {
      spec = { type: 'add-on', version: '1.0.0', updatePolicy: 'Auto', packs: addons(rng.int(1, 3)) };
    } else {
      // A full stack whose infra packs name no registry: they come from the default one.
      const [os, k8s, cni] = INFRA_CHARTS as [ChartDef, ChartDef, ChartDef];
      const packs = [pack(rng, os, undefined), pack(rng, k8s, undefined), pack(rng, cni, undefined)];
      spec = { type: 'full', version: '1.0.0', updatePolicy: 'Auto', packs: [...packs, ...addons(rng.int(0, 2))] };
    }
    if (rng.chance(0.1)) spec.updatePolicy = 'Manual';
    profiles.push({
      apiVersion: 'packyard.io/v1alpha1',
      kind: 'ClusterProfile',
      metadata: {
        name: `p-${String(i).padStart(5, '0')}`,
        namespace: PROFILE_NAMESPACES[i % PROFILE_NAMESPACES.length]!,
      },
      spec,
    });
  }
  return profiles;
}

/** The registry as the resolver sees it: the operator's own rule, not a copy of it. */
export { registryState };

/** What the profile's status must say, computed directly from the catalogue and registries given. */
export function expectedResolution(
  profile: ProfileObject,
  catalog: PackCatalog,
  registries: readonly RegistryState[],
): ResolveResult {
  const result = resolveProfile({
    profile: { spec: profile.spec, namespace: profile.metadata.namespace },
    packs: catalog,
    registries,
    valuesSources: () => undefined,
    // Manual keeps its lock: the fixed point of a settled status is the lock it holds.
    lock: profile.status?.resolved,
    updateRequested: false,
  });
  if (!result.ok) return result;
  // Every chart the soak publishes (Helm or OCI) ships the same values.yaml; the operator reads it.
  const contents = new Map(
    result.resolved.map((r) => [
      r.name,
      { kind: 'helm' as const, digest: '', files: { 'values.yaml': SEEDED_CHART_VALUES } },
    ]),
  );
  return withEffectiveValues(result, {
    spec: profile.spec,
    namespace: profile.metadata.namespace,
    valuesSources: () => undefined,
    contents,
  });
}

const json = (v: unknown) => JSON.parse(JSON.stringify(v ?? null));

/** Why the profile's status differs from `expected`, or undefined when it says exactly that. */
export function statusMismatch(profile: ProfileObject, expected: ResolveResult): string | undefined {
  const s = profile.status;
  if (!s) return 'no status';
  if (s.observedGeneration !== profile.metadata.generation)
    return `observedGeneration ${s.observedGeneration} != generation ${profile.metadata.generation}`;
  const ready = getCondition(s.conditions, 'Ready');
  if (expected.ok) {
    if (ready?.status !== 'True')
      return `Ready=${ready?.status} ${ready?.reason}, expected True (resolved ${lockText(expected.resolved)})`;
    if (s.revision !== expected.revision || !isDeepStrictEqual(json(s.resolved), json(expected.resolved))) {
      return `resolved ${lockText(s.resolved ?? [])}, expected ${lockText(expected.resolved)}`;
    }
    if (!isDeepStrictEqual(json(s.updatesAvailable ?? []), json(expected.updatesAvailable)))
      return 'updatesAvailable differ';
    return undefined;
  }
  if (ready?.status !== 'False' || ready.reason !== expected.reason)
    return `Ready=${ready?.status} ${ready?.reason}, expected False ${expected.reason}`;
  // "it offers: …" lists names in informer order, which two caches need not share.
  if (expected.reason !== 'PackNotFound' && ready.message !== expected.message)
    return `message "${ready.message}", expected "${expected.message}"`;
  return undefined;
}

function lockText(resolved: readonly { name: string; version?: string }[]): string {
  return resolved.map((r) => `${r.name}=${r.version}`).join(',');
}

/**
 * kstatus shape of a status: Ready present and current; Ready=True alone, or Ready=False with
 * exactly one of Stalled (same reason) and Reconciling. Returns what is wrong, if anything.
 */
export function conditionShapeProblem(
  status: { observedGeneration?: number; conditions?: Condition[] } | undefined,
): string | undefined {
  if (!status?.conditions) return undefined;
  const ready = getCondition(status.conditions, 'Ready');
  const stalled = getCondition(status.conditions, 'Stalled');
  const reconciling = getCondition(status.conditions, 'Reconciling');
  if (!ready) return 'conditions without Ready';
  if (ready.observedGeneration !== status.observedGeneration)
    return `Ready.observedGeneration ${ready.observedGeneration} != status.observedGeneration ${status.observedGeneration}`;
  if (!ready.reason) return 'Ready without a reason';
  if (ready.status === 'True' && (stalled || reconciling))
    return `Ready=True alongside ${stalled ? 'Stalled' : 'Reconciling'}`;
  if (ready.status === 'False') {
    if (!!stalled === !!reconciling)
      return `Ready=False ${ready.reason} with ${stalled ? 'both Stalled and Reconciling' : 'neither Stalled nor Reconciling'}`;
    if (stalled && stalled.reason !== ready.reason)
      return `Stalled reason ${stalled.reason} != Ready reason ${ready.reason}`;
  }
  return undefined;
}
