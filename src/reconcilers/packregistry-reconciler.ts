import type { KubernetesObject } from '@kubernetes/client-node';
import { parseGoDuration } from '../api/duration.js';
import { REGISTRY_LABEL, SYNC_REQUESTED_ANNOTATION } from '../api/names.js';
import type { Pack } from '../api/pack.js';
import type { PackRegistry } from '../api/packregistry.js';
import { SYNCED } from '../api/packregistry-reasons.js';
import { CONFIGMAP, PACK, PACKREGISTRY, SECRET } from '../api/resource-types.js';
import { exponentialDelay } from '../controller/backoff.js';
import type { Clock } from '../controller/clock.js';
import { getCondition } from '../controller/conditions.js';
import { watch } from '../controller/controller.js';
import type { Informer } from '../controller/informer.js';
import { KubeApiError } from '../controller/kube-client.js';
import { redactUrl } from '../controller/redact-url.js';
import type { Manager } from '../controller/manager.js';
import { withSummary } from '../controller/summarize.js';
import { transitionEvent } from '../controller/transition-event.js';
import type { HandlerResult } from '../controller/workqueue.js';
import type { CatalogPack } from '../sources/catalog.js';
import type { PackSources } from '../sources/registry-sources.js';
import {
  configMapNamesOf,
  registryCredentials,
  secretNamesOf,
  type ConfigMapObject,
  type SecretObject,
} from '../sources/registry-credentials.js';
import { unsupportedType } from '../sources/registry-sources.js';
import { credentialSecrets, redact } from '../sources/http-errors.js';
import type { SourceCredentials } from '../sources/pack-source.js';
import { SourceError } from '../sources/source-error.js';
import { verificationCounts } from '../sources/verify/verification-counts.js';
import { desiredPacks, PACKS_BY_REGISTRY, packsByRegistry, writePacks } from './pack-writer.js';
import { registryStatus, unexpectedFailure, type SyncOutcome } from './registry-status.js';
import { decideSync, jitteredInterval, type SyncDecision } from './sync-schedule.js';

export interface PackRegistryReconcilerOptions {
  sources: PackSources;
  /** Defaults to the manager's clock. */
  clock?: Clock;
  random?: () => number;
  workers?: number;
}

type Registry = PackRegistry & KubernetesObject & { metadata: { name: string; uid: string } };

/** Longest wait between retries of a failing registry, unless its own interval is shorter. */
const MAX_RETRY_MS = 5 * 60_000;
const BY_SECRET = 'secret';
const BY_CONFIGMAP = 'configmap';
/** Failure reasons that a change of the registry's Secrets (or trusted-root ConfigMap) can cure. */
const SECRET_CURED = new Set([
  'AuthenticationFailed',
  'SecretNotFound',
  'TLSError',
  'InvalidVerifyKeys',
  'InvalidTrustedRoot',
]);

/** One reconcile of one registry: what was read, then what the steps found, for summarize. */
interface Attempt {
  registry: Registry;
  /** The clock, read once: every time this attempt writes derives from it. */
  at: Date;
  syncRequest?: string;
  outcome?: SyncOutcome;
  nextSyncAt?: Date;
}

type SyncResult = SyncOutcome & { retryAfterMs?: number };

/**
 * Syncs each PackRegistry into Pack objects in named steps, as Flux's HelmRepository reconciler does:
 * read (caches) → decide (is a sync due?) → act (fetch, write Packs) → summarize (status and event),
 * the last on every exit, an unexpected error included. A failed sync touches no Pack and keeps the
 * last good status fields; only the conditions change.
 */
export class PackRegistryReconciler {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly registries: Informer<Registry>;
  private readonly packs: Informer<Pack & KubernetesObject>;
  private readonly secrets: Informer<SecretObject>;
  /** ConfigMaps of the operator's namespace: a keyless registry's trusted root. */
  private readonly configMaps: Informer<ConfigMapObject>;
  /**
   * Catalogues of this process's successful syncs, to repair Packs that drift (e.g. deleted by hand),
   * kept as JSON text: one flat string is a fraction of the objects' size, and a parser's result holds
   * slices of the whole index text (V8 sliced strings), which would keep every index in memory.
   */
  private readonly catalogues = new Map<string, string>();
  private readonly failures = new Map<string, number>();
  /**
   * The resourceVersions of the Secrets each registry's last reconcile found: a change is a reason to
   * sync now. A process that has not seen them before (a new leader) cannot tell, so it retries at
   * once a registry failing for a reason that new Secrets cure.
   */
  private readonly credentialsSeen = new Map<string, string>();

  constructor(
    private readonly manager: Manager,
    private readonly opts: PackRegistryReconcilerOptions,
  ) {
    this.clock = opts.clock ?? manager.clock;
    this.random = opts.random ?? Math.random;
    this.registries = manager.informer<Registry>(PACKREGISTRY, manager.watchSelector);
    this.packs = manager.informer<Pack & KubernetesObject>(PACK, { labelSelector: REGISTRY_LABEL });
    this.secrets = manager.informer<SecretObject>(SECRET, { namespace: manager.opts.namespace });
    this.configMaps = manager.informer<ConfigMapObject>(CONFIGMAP, { namespace: manager.opts.namespace });
    this.packs.addIndex(PACKS_BY_REGISTRY, packsByRegistry);
    this.registries.addIndex(BY_SECRET, (r) => secretNamesOf(r.spec));
    this.registries.addIndex(BY_CONFIGMAP, (r) => configMapNamesOf(r.spec));
  }

  /** Runs this reconciler in the manager: its registries, woken by their Secrets and Packs. */
  register(): void {
    const { manager, registries } = this;
    manager.addController<Registry>({
      name: 'packregistry',
      primary: registries,
      watches: [
        // A changed Secret (a rotated password) cures a failing registry now: ahead of the queue.
        watch<SecretObject>({
          informer: this.secrets,
          toKeys: (s) => registries.byIndex(BY_SECRET, s.metadata?.name ?? '').map((r) => r.metadata.name),
          urgent: true,
        }),
        // So does a trusted root put right.
        watch<ConfigMapObject>({
          informer: this.configMaps,
          toKeys: (c) => registries.byIndex(BY_CONFIGMAP, c.metadata?.name ?? '').map((r) => r.metadata.name),
          urgent: true,
        }),
        // Packs of every shard are cached; only this shard's registries are woken by theirs.
        watch<Pack & KubernetesObject>({
          informer: this.packs,
          toKeys: (p) => [p.metadata.labels?.[REGISTRY_LABEL] ?? ''].filter((r) => registries.get(r)),
        }),
      ],
      reconcile: (key, signal) => this.reconcile(key, signal),
      // Syncs mostly wait on the network (timeouts, Retry-After sat out in place): with 4 workers a
      // few slow registries held every other key, a rotated Secret's sync included, for tens of seconds.
      workers: this.opts.workers ?? 8,
    });
  }

  async reconcile(key: string, signal: AbortSignal): Promise<HandlerResult | void> {
    const registry = this.registries.get(key);
    if (!registry || registry.metadata.deletionTimestamp) {
      this.forget(key);
      return;
    }
    const attempt: Attempt = {
      registry,
      at: new Date(this.clock.now()),
      syncRequest: registry.metadata.annotations?.[SYNC_REQUESTED_ANNOTATION],
    };
    return withSummary(
      async () => {
        const decision = this.decide(attempt);
        return decision.sync ? this.sync(attempt, signal) : this.keep(attempt, decision);
      },
      {
        unexpected: (err) => (attempt.outcome = unexpectedFailure(err)),
        summarize: () => this.summarize(attempt),
        log: this.manager.log,
        object: { registry: key },
      },
    );
  }

  /** Decide: whether a sync is due, a changed Secret counting as a reason. */
  private decide({ registry, at, syncRequest }: Attempt): SyncDecision {
    const key = registry.metadata.name;
    const credentials = this.credentialsVersion(registry);
    const seen = this.credentialsSeen.get(key);
    this.credentialsSeen.set(key, credentials);
    const credentialsChanged =
      seen === undefined ? credentials !== '' && SECRET_CURED.has(readyReason(registry) ?? '') : seen !== credentials;
    // The failures so far were the old credentials': a fault meeting the new ones starts a new backoff.
    if (credentialsChanged) this.failures.delete(key);
    return decideSync({
      now: at.getTime(),
      generation: registry.metadata.generation ?? 0,
      observedGeneration: registry.status?.observedGeneration,
      suspend: registry.spec.suspend ?? false,
      syncRequest,
      lastHandledSyncRequest: registry.status?.lastHandledSyncRequest,
      nextSyncTime: registry.status?.nextSyncTime,
      credentialsChanged,
    });
  }

  /** Act, no sync due: repair drifted Packs from the catalogue in memory, and wait. */
  private async keep(attempt: Attempt, decision: SyncDecision & { sync: false }): Promise<HandlerResult | void> {
    await this.repairPacks(attempt.registry);
    if (decision.why === 'suspended') {
      attempt.outcome = { kind: 'suspended' };
      return;
    }
    return { requeueAfter: decision.wakeInMs };
  }

  /** Act, sync due: fetch the catalogue, write Packs, and pick the next sync time. */
  private async sync(attempt: Attempt, signal: AbortSignal): Promise<HandlerResult> {
    const key = attempt.registry.metadata.name;
    const intervalMs = parseGoDuration(attempt.registry.spec.interval ?? '24h');
    const outcome = await this.fetchAndWrite(attempt.registry, signal);
    let nextMs = jitteredInterval(intervalMs, this.random);
    if (outcome.kind === 'failed') {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const backoff = exponentialDelay(n, 1000, MAX_RETRY_MS);
      nextMs = Math.max(outcome.retryAfterMs ?? 0, Math.min(intervalMs, backoff));
    } else {
      this.failures.delete(key);
    }
    attempt.outcome = outcome;
    attempt.nextSyncAt = new Date(attempt.at.getTime() + nextMs);
    return { requeueAfter: nextMs };
  }

  private async fetchAndWrite(registry: Registry, signal: AbortSignal): Promise<SyncResult> {
    const key = registry.metadata.name;
    const source = this.opts.sources[registry.spec.type];
    if (!source) return { kind: 'failed', reason: 'Unsupported', message: unsupportedType(registry.spec.type) };
    let credentials: SourceCredentials | undefined;
    try {
      credentials = registryCredentials(
        registry.spec,
        (name) => this.secret(name),
        this.manager.opts.namespace,
        (name) => this.configMap(name),
      );
      const result = await source.sync({
        registryName: key,
        spec: registry.spec,
        credentials,
        // A changed spec (e.g. a new filter) rebuilds the catalogue even from identical content. Otherwise,
        // even without the catalogue in memory (a fresh process), a 304 is fine: the Packs are in the cluster.
        previous:
          registry.status?.observedGeneration === registry.metadata.generation
            ? { revision: registry.status?.revision, etag: registry.status?.etag }
            : {},
        timeoutMs: parseGoDuration(registry.spec.timeout ?? '60s'),
        signal,
      });
      if (!result.changed) {
        await this.repairPacks(registry);
        return { kind: 'unchanged' };
      }
      const summary = await writePacks(this.manager.client, this.packsOf(key), desiredPacks(registry, result.packs));
      this.catalogues.set(key, JSON.stringify(result.packs));
      this.manager.log.info({ registry: key, revision: result.revision, ...summary }, 'registry synced');
      return {
        kind: 'synced',
        revision: result.revision,
        etag: result.etag,
        packCount: result.packs.length,
        versionCount: result.packs.reduce((n, p) => n + p.versions.length, 0),
        skippedVersions: result.skippedVersions,
        verification: verificationCounts(result.packs),
        changed: summary.created + summary.updated + summary.deleted > 0,
      };
    } catch (err) {
      const failure = expectedFailure(err);
      if (!failure) throw err; // any other apiserver error writing Packs: let the queue retry with backoff
      // Messages quote what a registry answered, and a registry may echo what it was sent (an index
      // with the Authorization header in it): no credential goes on to the status, an event or the log.
      failure.message = redact(failure.message, credentialSecrets(credentials));
      this.manager.log.warn({ registry: key, reason: failure.reason, err: failure.message }, 'registry sync failed');
      return failure;
    }
  }

  /** Summarize: the whole status from what the steps found, and an event on each transition. */
  private async summarize(attempt: Attempt): Promise<void> {
    const { registry, outcome, at } = attempt;
    if (!outcome) return; // nothing new to say (waiting for the next sync)
    const status = registryStatus({
      previous: registry.status,
      generation: registry.metadata.generation ?? 0,
      outcome,
      url: redactUrl(registry.spec.url),
      now: at,
      nextSyncAt: attempt.nextSyncAt,
      syncRequest: attempt.syncRequest,
    });
    await this.manager.statusWriter.write(PACKREGISTRY, registry, status as Record<string, unknown>);
    const event = transitionEvent(getCondition(registry.status?.conditions, 'Ready'), eventResult(registry, outcome));
    if (event) await this.manager.events.record(registry, event.severity, event.reason, event.note, 'Sync');
  }

  private async repairPacks(registry: Registry): Promise<void> {
    const catalogue = this.catalogues.get(registry.metadata.name);
    if (catalogue === undefined) return;
    const packs = JSON.parse(catalogue) as CatalogPack[];
    await writePacks(this.manager.client, this.packsOf(registry.metadata.name), desiredPacks(registry, packs));
  }

  private forget(key: string): void {
    this.catalogues.delete(key);
    this.failures.delete(key);
    this.credentialsSeen.delete(key);
  }

  private secret(name: string): SecretObject | undefined {
    return this.secrets.get(`${this.manager.opts.namespace}/${name}`);
  }

  private configMap(name: string): ConfigMapObject | undefined {
    return this.configMaps.get(`${this.manager.opts.namespace}/${name}`);
  }

  private credentialsVersion(registry: Registry): string {
    return [
      ...secretNamesOf(registry.spec).map((name) => `${name}@${this.secret(name)?.metadata?.resourceVersion ?? '-'}`),
      ...configMapNamesOf(registry.spec).map(
        (name) => `configmap/${name}@${this.configMap(name)?.metadata?.resourceVersion ?? '-'}`,
      ),
    ].join(',');
  }

  private packsOf(registry: string): Pack[] {
    return this.packs.byIndex(PACKS_BY_REGISTRY, registry);
  }
}

export function registerPackRegistryReconciler(manager: Manager, opts: PackRegistryReconcilerOptions): void {
  new PackRegistryReconciler(manager, opts).register();
}

/** A failure status can name precisely; undefined for anything else. */
function expectedFailure(err: unknown): (SyncResult & { kind: 'failed' }) | undefined {
  if (err instanceof SourceError)
    return { kind: 'failed', reason: err.reason, message: err.message, retryAfterMs: err.retryAfterMs };
  // A Pack the apiserver will not store (too many versions for one object) needs a filter, not a retry.
  if (
    err instanceof KubeApiError &&
    (err.code === 413 || (err.code === 422 && /too long|too large|exceeds/i.test(err.message)))
  ) {
    const message = `a Pack is too large for the apiserver (${err.message.slice(0, 200)}); set spec.filter.maxVersionsPerPack`;
    return { kind: 'failed', reason: 'PackTooLarge', message };
  }
  return undefined;
}

function eventResult(registry: Registry, outcome: SyncOutcome) {
  if (outcome.kind === 'failed') return { ok: false as const, reason: outcome.reason, message: outcome.message };
  const wasReady = getCondition(registry.status?.conditions, 'Ready')?.status === 'True';
  if (outcome.kind !== 'synced') return { ok: true as const, reason: SYNCED, message: '', changed: false };
  const message = `synced ${outcome.packCount} packs (${outcome.versionCount} versions), revision ${outcome.revision.slice(0, 19)}`;
  return { ok: true as const, reason: SYNCED, message, changed: outcome.changed || !wasReady };
}

function readyReason(registry: Registry): string | undefined {
  const ready = getCondition(registry.status?.conditions, 'Ready');
  return ready?.status === 'False' ? ready.reason : undefined;
}
