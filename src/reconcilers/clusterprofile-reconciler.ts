import type { KubernetesObject } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import type { ClusterProfile } from '../api/clusterprofile.js';
import { LOCK_CHANGED, PACK_CONTENT_UNAVAILABLE } from '../api/clusterprofile-reasons.js';
import { REGISTRY_LABEL, UPDATE_REQUESTED_ANNOTATION } from '../api/names.js';
import type { Pack } from '../api/pack.js';
import { RECONCILIATION_FAILED } from '../api/reasons.js';
import type { PackRegistry } from '../api/packregistry.js';
import { ZOD_PARTS } from '../api/zod-parts.js';
import { CLUSTERPROFILE, PACK, PACKREGISTRY, SECRET } from '../api/resource-types.js';
import { ItemExponentialRateLimiter } from '../controller/backoff.js';
import type { Clock } from '../controller/clock.js';
import { importInTurns } from '../controller/event-loop-turn.js';
import { getCondition, unexpectedFailureMessage } from '../controller/conditions.js';
import { watch } from '../controller/controller.js';
import type { Informer } from '../controller/informer.js';
import type { Manager } from '../controller/manager.js';
import { objectKey } from '../controller/object-key.js';
import { withSummary } from '../controller/summarize.js';
import { transitionEvent } from '../controller/transition-event.js';
import type { HandlerResult } from '../controller/workqueue.js';
import type { RegistryState } from '../resolve/registries.js';
import { profileReferences, resolveProfile, type PackCatalog, type ResolveResult } from '../resolve/resolve-profile.js';
import type { SourceCredentials } from '../sources/pack-source.js';
import { PACKS_BY_REGISTRY, packsByRegistry } from './pack-writer.js';
import { registryCredentials, type SecretObject } from '../sources/registry-credentials.js';
import { lockText, profileStatus, type ResolutionOutcome } from './profile-status.js';
import { readValuesSources } from './values-sources.js';

type Profile = ClusterProfile & KubernetesObject & { metadata: { name: string; namespace: string } };
type Registry = PackRegistry & KubernetesObject & { metadata: { name: string } };
type PackObject = Pack & KubernetesObject;

const BY_REFERENCE = 'reference';
const BY_REGISTRY_AND_NAME = 'registry-pack';
const USES_DEFAULT = 'uses-default';
/** valuesFrom objects are read, not watched: look again this often. */
const REVALIDATE_MS = 10 * 60_000;
/**
 * How a profile whose pack archives could not be read tries again: per profile, 1 s doubling up to
 * 15 s (Flux's limiter: per object, no overall bucket), and at once when a registry it uses syncs.
 * Not through the controller's token bucket (10 retries a second overall): with N profiles failing
 * at once, as after a leader change with a cold archive cache, each waited N/10 s for its turn (the
 * soak saw profiles stale for 155 s at 2,000 and 270 s at 5,000). The bucket protects what a retry
 * costs, and this one costs little: downloads are shared and cached by digest, so a broken registry
 * sees one request per archive, and a retry that fails the same way writes nothing.
 */
const CONTENT_RETRY = { baseDelayMs: 1_000, maxDelayMs: 15_000 };

export interface ClusterProfileReconcilerOptions {
  /** Defaults to the manager's clock. */
  clock?: Clock;
  workers?: number;
  /** Where chart and pack files are cached (a volume: kept across restarts), and the memory bound. */
  content?: { cacheDir?: string; memoryBytes?: number };
  /** Backoff between retries of unreadable archives (default CONTENT_RETRY); tests lengthen it. */
  contentRetry?: { baseDelayMs: number; maxDelayMs: number };
}

/**
 * What the values step's modules build on, bottom up (importInTurns): zod and the Pack schema, the
 * HTTP client, YAML, JSON Schema (ajv), the archive reader, the OCI client; the step itself after.
 */
export const VALUES_STEP_PARTS: readonly (() => Promise<unknown>)[] = [
  ...ZOD_PARTS,
  () => import('../api/pack.js'),
  () => import('../sources/http-client.js'),
  () => import('../resolve/values-tree.js'),
  () => import('ajv/dist/core.js'),
  () => import('ajv/dist/vocabularies/draft7.js'),
  () => import('ajv'),
  () => import('ajv/dist/2020.js'),
  () => import('../resolve/values-schema.js'),
  () => import('../resolve/values-step.js'),
  () => import('../sources/content/archive.js'),
  () => import('../sources/oci/oci-client.js'),
  () => import('../sources/oci/token-service.js'),
];

type ValuesModule = typeof import('../sources/content/resolved-contents.js');
type ContentModule = typeof import('../sources/content/pack-content.js');

/** One reconcile of one profile: what was read, then what the steps found, for summarize. */
interface Attempt {
  profile: Profile;
  /** The clock, read once: resolution and status see the same instant. */
  at: Date;
  updateRequest?: string;
  outcome?: ResolutionOutcome;
}

/**
 * Resolves each ClusterProfile against the Pack catalogue and writes the lock into its status, in
 * named steps: read (caches, valuesFrom objects) → resolve (pure) → summarize (status and event), the
 * last on every exit, an unexpected error included. A Pack change re-resolves only the profiles that
 * reference it; a registry change only the profiles that use it (or the default registry).
 */
export class ClusterProfileReconciler {
  private readonly clock: Clock;
  private readonly profiles: Informer<Profile>;
  /** Every registry, this shard's or not: a profile may use Packs another shard syncs. */
  private readonly registries: Informer<Registry>;
  private readonly packs: Informer<PackObject>;
  private readonly catalog: PackCatalog;
  private readonly secrets: Informer<SecretObject>;
  /** Per profile: failed reads of its archives in a row, for the next retry's delay. */
  private readonly contentRetry: ItemExponentialRateLimiter;
  /**
   * The values step and its content source, imported at the first resolution that needs them: an
   * idle operator loads no archive reader, OCI client or JSON Schema validator.
   */
  private valuesStep?: Promise<{
    check: ValuesModule['checkResolvedValues'];
    source: InstanceType<ContentModule['PackContentSource']>;
  }>;

  constructor(
    private readonly manager: Manager,
    private readonly opts: ClusterProfileReconcilerOptions = {},
  ) {
    this.clock = opts.clock ?? manager.clock;
    this.contentRetry = new ItemExponentialRateLimiter(opts.contentRetry ?? CONTENT_RETRY);
    this.profiles = manager.informer<Profile>(CLUSTERPROFILE, manager.watchSelector);
    this.registries = manager.informer<Registry>(PACKREGISTRY);
    this.packs = manager.informer<PackObject>(PACK, { labelSelector: REGISTRY_LABEL });
    // The registries' Secrets, for reading chosen versions' archives (the same informer the registry reconciler uses).
    this.secrets = manager.informer<SecretObject>(SECRET, { namespace: manager.opts.namespace });
    this.profiles.addIndex(BY_REFERENCE, (p) =>
      profileReferences(p.spec).flatMap((ref) =>
        ref.registry
          ? [`pack:${ref.registry}/${ref.chart}`, `registry:${ref.registry}`]
          : [`pack:${USES_DEFAULT}/${ref.chart}`, USES_DEFAULT],
      ),
    );
    this.packs.addIndex(BY_REGISTRY_AND_NAME, (p) => [`${p.spec.registry}/${p.spec.name}`]);
    this.packs.addIndex(PACKS_BY_REGISTRY, packsByRegistry);
    this.catalog = {
      get: (registry, chart) => this.packs.byIndex(BY_REGISTRY_AND_NAME, `${registry}/${chart}`)[0]?.spec,
      names: (registry) => this.packs.byIndex(PACKS_BY_REGISTRY, registry).map((p) => p.spec.name),
    };
  }

  /** Runs this reconciler in the manager: its profiles, woken by the Packs and registries they use. */
  register(): void {
    const { manager, registries } = this;
    const isDefault = (name: string) => registries.get(name)?.spec.default === true;
    manager.addController<Profile>({
      name: 'clusterprofile',
      primary: this.profiles,
      watches: [
        watch<PackObject>({
          informer: this.packs,
          toKeys: (p) =>
            this.profileKeys([
              `pack:${p.spec.registry}/${p.spec.name}`,
              ...(isDefault(p.spec.registry) ? [`pack:${USES_DEFAULT}/${p.spec.name}`] : []),
            ]),
        }),
        // Readiness or the default flag changing matters to the profiles that use the registry, or
        // the default one (a registry that just stopped being default included).
        watch<Registry>({
          informer: registries,
          toKeys: (r) => this.profileKeys([`registry:${r.metadata.name}`, USES_DEFAULT]),
          // A sync rewrites the registry's status every time; only what resolution reads counts.
          relevant: (old, obj) => !isDeepStrictEqual(registryStateOf(old), registryStateOf(obj)),
        }),
        // A registry that synced again may serve the archives its profiles could not read: wake exactly
        // those profiles rather than leave them to their backoff. One that fails the same way writes nothing.
        watch<Registry>({
          informer: registries,
          toKeys: (r) =>
            this.profileKeys([`registry:${r.metadata.name}`, ...(r.spec.default ? [USES_DEFAULT] : [])]).filter((key) =>
              this.contentUnavailable(key),
            ),
          relevant: (old, obj) => newSync(old, obj),
        }),
      ],
      reconcile: (key) => this.reconcile(key),
      workers: this.opts.workers ?? this.manager.concurrentReconciles,
      // Errors (e.g. a status write during an apiserver restart) go through the controller's limiter.
      maxRetryDelayMs: CONTENT_RETRY.maxDelayMs,
    });
  }

  async reconcile(key: string): Promise<HandlerResult | void> {
    const profile = this.profiles.get(key);
    if (!profile || profile.metadata.deletionTimestamp) return this.contentRetry.forget(key);
    const attempt: Attempt = {
      profile,
      at: new Date(this.clock.now()),
      updateRequest: profile.metadata.annotations?.[UPDATE_REQUESTED_ANNOTATION],
    };
    return withSummary(
      async () => {
        attempt.outcome = await this.resolve(attempt);
        // An archive that could not be read may be readable in a moment: back off (CONTENT_RETRY), do
        // not wait a revalidation.
        if (!attempt.outcome.ok && attempt.outcome.reason === PACK_CONTENT_UNAVAILABLE)
          return { requeueAfter: this.contentRetry.when(key) };
        this.contentRetry.forget(key);
        return { requeueAfter: REVALIDATE_MS };
      },
      {
        unexpected: (err) =>
          (attempt.outcome = { ok: false, reason: RECONCILIATION_FAILED, message: unexpectedFailureMessage(err) }),
        summarize: () => this.summarize(attempt),
        log: this.manager.log,
        object: { profile: key },
      },
    );
  }

  /**
   * Resolve: the pure resolver on what the caches and the valuesFrom objects hold, then the values
   * step on the chosen versions' files (read by digest, so an unchanged lock downloads nothing).
   */
  private async resolve({ profile, at, updateRequest }: Attempt): Promise<ResolveResult> {
    const specChanged = profile.status?.observedGeneration !== (profile.metadata.generation ?? 0);
    const valuesSources = await readValuesSources(this.manager.client, profile.metadata.namespace, profile.spec.packs);
    const result = resolveProfile({
      profile: { spec: profile.spec, namespace: profile.metadata.namespace },
      packs: this.catalog,
      registries: this.registries.list().map(registryStateOf),
      valuesSources,
      lock: profile.status?.resolved,
      // Manual keeps its lock until the spec changes or an update is requested.
      updateRequested:
        specChanged || (updateRequest !== undefined && updateRequest !== profile.status?.lastHandledUpdateRequest),
      now: at,
    });
    if (!result.ok) return result;
    const { check, source } = await this.loadValuesStep();
    return check(result, {
      spec: profile.spec,
      namespace: profile.metadata.namespace,
      valuesSources,
      source,
      registries: (name) => this.registryAccess(name),
    });
  }

  private loadValuesStep(): NonNullable<ClusterProfileReconciler['valuesStep']> {
    this.valuesStep ??= importInTurns(VALUES_STEP_PARTS)
      .then(() =>
        Promise.all([
          import('../sources/content/resolved-contents.js'),
          import('../sources/content/pack-content.js'),
          import('../sources/content/content-cache.js'),
        ]),
      )
      .then(([values, content, cache]) => {
        const memory = this.opts.content?.memoryBytes ?? cache.DEFAULT_CONTENT_MEMORY_BYTES;
        return {
          check: values.checkResolvedValues,
          source: new content.PackContentSource({ cache: new cache.ContentCache(memory, this.opts.content?.cacheDir) }),
        };
      })
      .catch((err: unknown) => {
        this.valuesStep = undefined; // try again at the next resolution
        throw err;
      });
    return this.valuesStep;
  }

  /** A registry's spec and credentials (from its Secrets in the operator's namespace), to read an archive. */
  private registryAccess(name: string): { spec: PackRegistry['spec']; credentials: SourceCredentials } {
    const registry = this.registries.get(name);
    if (!registry) throw new Error(`registry ${name} not found`);
    const namespace = this.manager.opts.namespace;
    return {
      spec: registry.spec,
      // Reading an archive needs no verify material (a keyless trusted root may be in a ConfigMap).
      credentials: registryCredentials(
        { ...registry.spec, verify: undefined },
        (secret) => this.secrets.get(`${namespace}/${secret}`),
        namespace,
      ),
    };
  }

  /** Summarize: the whole status from the resolution, and an event on each transition. */
  private async summarize({ profile, at, updateRequest, outcome }: Attempt): Promise<void> {
    if (!outcome) return;
    const generation = profile.metadata.generation ?? 0;
    const status = profileStatus({ previous: profile.status, generation, result: outcome, now: at, updateRequest });
    await this.manager.statusWriter.write(CLUSTERPROFILE, profile, status as Record<string, unknown>);
    const lock = (status.resolved ?? []).map(lockText).join(', ');
    const result = outcome.ok
      ? {
          ok: true as const,
          reason: LOCK_CHANGED,
          message: `resolved to ${lock}`,
          changed: status.revision !== profile.status?.revision,
        }
      : outcome;
    const event = transitionEvent(getCondition(profile.status?.conditions, 'Ready'), result);
    // Queued, not awaited: the reconcile waits for its status write only (see EventRecorder).
    if (event) void this.manager.events.record(profile, event.severity, event.reason, event.note, 'Resolve');
  }

  /** Whether the cached profile says its archives could not be read. */
  private contentUnavailable(key: string): boolean {
    return getCondition(this.profiles.get(key)?.status?.conditions, 'Ready')?.reason === PACK_CONTENT_UNAVAILABLE;
  }

  private profileKeys(values: string[]): string[] {
    return [...new Set(values.flatMap((v) => this.profiles.byIndex(BY_REFERENCE, v).map(objectKey)))];
  }
}

export function registerClusterProfileReconciler(manager: Manager, opts: ClusterProfileReconcilerOptions = {}): void {
  new ClusterProfileReconciler(manager, opts).register();
}

/** Whether the registry completed a sync since `old` (lastSyncTime moves on each, changed catalogue or not). */
export function newSync(old: Registry, obj: Registry): boolean {
  const at = obj.status?.lastSyncTime;
  return at !== undefined && at !== old.status?.lastSyncTime;
}

/** Cached objects are replaced, never changed: each one's state is computed once, not on every resolution. */
const registryStates = new WeakMap<Registry, RegistryState>();

function registryStateOf(r: Registry): RegistryState {
  let state = registryStates.get(r);
  if (!state) registryStates.set(r, (state = registryState(r)));
  return state;
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
