import type { KubernetesObject } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import { UPDATE_REQUESTED_ANNOTATION, type ClusterProfile, type ResolvedPack } from '../api/clusterprofile.js';
import { REGISTRY_LABEL, type Pack } from '../api/pack.js';
import type { PackRegistry } from '../api/packregistry.js';
import { CLUSTERPROFILE, CONFIGMAP, PACK, PACKREGISTRY, SECRET } from '../api/resource-types.js';
import { getCondition } from '../controller/conditions.js';
import { Controller } from '../controller/controller.js';
import { isNotFound, KubeApiError } from '../controller/kube-client.js';
import type { Manager } from '../controller/manager.js';
import type { HandlerResult } from '../controller/workqueue.js';
import type { RegistryState } from '../resolve/registries.js';
import { profileReferences, resolveProfile, type PackCatalog } from '../resolve/resolve-profile.js';
import { FORBIDDEN_SOURCE, type ValuesSourceLookup } from '../resolve/values.js';
import { PACKS_BY_REGISTRY, packsByRegistry } from './pack-writer.js';
import { lockText, profileStatus } from './profile-status.js';

type Profile = ClusterProfile & KubernetesObject & { metadata: { name: string; namespace: string } };
type Registry = PackRegistry & KubernetesObject & { metadata: { name: string } };
type PackObject = Pack & KubernetesObject;

const BY_REFERENCE = 'reference';
const BY_REGISTRY_AND_NAME = 'registry-pack';
const USES_DEFAULT = 'uses-default';
/** valuesFrom objects are read, not watched: look again this often. */
const REVALIDATE_MS = 10 * 60_000;

export interface ClusterProfileReconcilerOptions {
  now?: () => Date;
  workers?: number;
}

/**
 * Resolves each ClusterProfile against the Pack catalogue and writes the lock into its status. A
 * Pack change re-resolves only the profiles that reference it; a registry change only the profiles
 * that use it (or the default registry).
 */
export function registerClusterProfileReconciler(manager: Manager, opts: ClusterProfileReconcilerOptions = {}): void {
  const now = opts.now ?? (() => new Date());
  const profiles = manager.informer<Profile>(CLUSTERPROFILE, manager.watchSelector);
  // Every registry, this shard's or not: a profile may use Packs another shard syncs.
  const registries = manager.informer<Registry>(PACKREGISTRY);
  const packs = manager.informer<PackObject>(PACK, { labelSelector: REGISTRY_LABEL });

  profiles.addIndex(BY_REFERENCE, (p) =>
    profileReferences(p.spec).flatMap((ref) =>
      ref.registry ? [`pack:${ref.registry}/${ref.chart}`, `registry:${ref.registry}`] : [`pack:${USES_DEFAULT}/${ref.chart}`, USES_DEFAULT],
    ),
  );
  packs.addIndex(BY_REGISTRY_AND_NAME, (p) => [`${p.spec.registry}/${p.spec.name}`]);
  packs.addIndex(PACKS_BY_REGISTRY, packsByRegistry);

  const catalog: PackCatalog = {
    get: (registry, chart) => packs.byIndex(BY_REGISTRY_AND_NAME, `${registry}/${chart}`)[0]?.spec,
    names: (registry) => packs.byIndex(PACKS_BY_REGISTRY, registry).map((p) => p.spec.name),
  };
  const isDefault = (name: string) => registries.get(name)?.spec.default === true;
  const profileKeys = (values: string[]) => [
    ...new Set(values.flatMap((v) => profiles.byIndex(BY_REFERENCE, v).map((p) => `${p.metadata.namespace}/${p.metadata.name}`))),
  ];

  const reconcile = async (key: string): Promise<HandlerResult | void> => {
    const profile = profiles.get(key);
    if (!profile || profile.metadata.deletionTimestamp) return;
    const generation = profile.metadata.generation ?? 0;
    const updateRequest = profile.metadata.annotations?.[UPDATE_REQUESTED_ANNOTATION];
    const specChanged = profile.status?.observedGeneration !== generation;
    const result = resolveProfile({
      profile: { spec: profile.spec, namespace: profile.metadata.namespace },
      packs: catalog,
      registries: registries.list().map(registryState),
      valuesSources: await readValuesSources(profile),
      lock: profile.status?.resolved,
      // Manual keeps its lock until the spec changes or an update is requested.
      updateRequested: specChanged || (updateRequest !== undefined && updateRequest !== profile.status?.lastHandledUpdateRequest),
      now: now(),
    });
    const status = profileStatus({ previous: profile.status, generation, result, now: now(), updateRequest });
    await manager.statusWriter.write(CLUSTERPROFILE, profile, status as Record<string, unknown>);
    await recordEvent(profile, status.revision, result.ok ? undefined : { reason: result.reason, message: result.message }, status.resolved);
    return { requeueAfter: REVALIDATE_MS };
  };

  /** Reads every valuesFrom key up front, so the pure resolver can look them up synchronously. */
  async function readValuesSources(profile: Profile): Promise<ValuesSourceLookup> {
    const found = new Map<string, string | undefined | typeof FORBIDDEN_SOURCE>();
    const refKey = (kind: string, name: string, key: string) => `${kind}/${name}/${key}`;
    for (const pack of profile.spec.packs) {
      for (const ref of pack.valuesFrom ?? []) {
        const valuesKey = ref.valuesKey ?? 'values.yaml';
        if (found.has(refKey(ref.kind, ref.name, valuesKey))) continue;
        const type = ref.kind === 'Secret' ? SECRET : CONFIGMAP;
        try {
          const obj = await manager.client.get<KubernetesObject & { data?: Record<string, string> }>(type, ref.name, profile.metadata.namespace);
          const raw = obj.data?.[valuesKey];
          found.set(refKey(ref.kind, ref.name, valuesKey), raw !== undefined && ref.kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw);
        } catch (err) {
          const forbidden = err instanceof KubeApiError && err.code === 403;
          if (!isNotFound(err) && !forbidden) throw err;
          found.set(refKey(ref.kind, ref.name, valuesKey), forbidden ? FORBIDDEN_SOURCE : undefined);
        }
      }
    }
    return (ref) => found.get(refKey(ref.kind, ref.name, ref.key));
  }

  async function recordEvent(profile: Profile, revision: string | undefined, failure: { reason: string; message: string } | undefined, resolved?: ResolvedPack[]) {
    const before = getCondition(profile.status?.conditions, 'Ready');
    if (failure) {
      if (before?.status !== 'False' || before.reason !== failure.reason) {
        await manager.events.record(profile, 'Warning', failure.reason, failure.message, 'Resolve');
      }
    } else if (revision !== profile.status?.revision) {
      const lock = (resolved ?? []).map(lockText).join(', ');
      await manager.events.record(profile, 'Normal', 'LockChanged', `resolved to ${lock}`, 'Resolve');
    }
  }

  manager.add(
    new Controller({
      name: 'clusterprofile',
      primary: profiles,
      watches: [
        {
          informer: packs,
          toKeys: (p: PackObject) =>
            profileKeys([`pack:${p.spec.registry}/${p.spec.name}`, ...(isDefault(p.spec.registry) ? [`pack:${USES_DEFAULT}/${p.spec.name}`] : [])]),
        },
        // Readiness or the default flag changing matters to the profiles that use the registry, or
        // the default one (a registry that just stopped being default included).
        {
          informer: registries,
          toKeys: (r: Registry) => profileKeys([`registry:${r.metadata.name}`, USES_DEFAULT]),
          // A sync rewrites the registry's status every time; only what resolution reads counts.
          relevant: (old: Registry, obj: Registry) => !isDeepStrictEqual(registryState(old), registryState(obj)),
        },
      ] as never,
      reconcile,
      isOwnStatusWrite: (obj: KubernetesObject) => manager.statusWriter.isOwnWrite(obj),
      workers: opts.workers ?? 8,
      metrics: manager.metrics.forController('clusterprofile'),
      log: manager.log,
    }) as never,
  );
}

/**
 * A registry is usable once it has synced: a later failed sync keeps its last good Packs, so a
 * passing timeout must not fail every profile that uses it. Never synced means RegistryNotReady.
 */
export function registryState(r: Registry): RegistryState {
  const condition = getCondition(r.status?.conditions, 'Ready');
  const ready = condition?.status === 'True' || r.status?.lastSyncTime !== undefined;
  return {
    name: r.metadata.name,
    ready,
    // Only quoted when not ready; leaving them out otherwise keeps a sync's new message from re-resolving profiles.
    ...(!ready && condition && { reason: condition.reason, message: condition.message }),
    default: r.spec.default === true,
  };
}

