import type { KubernetesObject } from '@kubernetes/client-node';
import { parseGoDuration } from '../api/duration.js';
import { REGISTRY_LABEL, type Pack } from '../api/pack.js';
import type { PackRegistry } from '../api/packregistry.js';
import { SYNC_REQUESTED_ANNOTATION } from '../api/packregistry.js';
import { PACK, PACKREGISTRY, SECRET } from '../api/resource-types.js';
import { Controller } from '../controller/controller.js';
import { KubeApiError } from '../controller/kube-client.js';
import type { Informer } from '../controller/informer.js';
import { redactUrl } from '../controller/logger.js';
import type { Manager } from '../controller/manager.js';
import type { HandlerResult } from '../controller/workqueue.js';
import type { CatalogPack } from '../sources/catalog.js';
import type { PackSources } from '../sources/registry-sources.js';
import { unsupportedType } from '../sources/registry-sources.js';
import { SourceError } from '../sources/source-error.js';
import { desiredPacks, PACKS_BY_REGISTRY, packsByRegistry, writePacks } from './pack-writer.js';
import { registryCredentials, secretNamesOf, type SecretObject } from './registry-credentials.js';
import { registryStatus, type SyncOutcome } from './registry-status.js';
import { decideSync, jitteredInterval } from './sync-schedule.js';

export interface PackRegistryReconcilerOptions {
  sources: PackSources;
  now?: () => Date;
  random?: () => number;
  workers?: number;
}

type Registry = PackRegistry & KubernetesObject & { metadata: { name: string; uid: string } };

/** Longest wait between retries of a failing registry, unless its own interval is shorter. */
const MAX_RETRY_MS = 5 * 60_000;
const BY_SECRET = 'secret';
/** Failure reasons that a change of the registry's Secrets can cure. */
const SECRET_CURED = new Set(['AuthenticationFailed', 'SecretNotFound', 'TLSError']);

/**
 * Syncs each PackRegistry into Pack objects. Read (caches) → decide (is a sync due?) → act (fetch,
 * write Packs) → write status once. A failed sync touches no Pack and keeps the last good status
 * fields; only the conditions change.
 */
export function registerPackRegistryReconciler(manager: Manager, opts: PackRegistryReconcilerOptions): void {
  const now = opts.now ?? (() => new Date());
  const random = opts.random ?? Math.random;
  const registries = manager.informer<Registry>(PACKREGISTRY, manager.watchSelector);
  const packs = manager.informer<Pack & KubernetesObject>(PACK, { labelSelector: REGISTRY_LABEL });
  const secrets = manager.informer<SecretObject>(SECRET, { namespace: manager.opts.namespace });
  packs.addIndex(PACKS_BY_REGISTRY, packsByRegistry);
  registries.addIndex(BY_SECRET, (r) => secretNamesOf(r.spec));

  // Catalogues of this process's successful syncs, to repair Packs that drift (e.g. deleted by hand).
  const catalogues = new Map<string, CatalogPack[]>();
  const failures = new Map<string, number>();
  // The resourceVersions of the Secrets each registry's last reconcile found: a change is a reason to
  // sync now. A process that has not seen them before (a new leader) cannot tell, so it retries at
  // once a registry failing for a reason that new Secrets cure.
  const credentialsSeen = new Map<string, string>();
  const credentialsVersion = (registry: Registry) =>
    secretNamesOf(registry.spec).map((name) => `${name}@${secrets.get(`${manager.opts.namespace}/${name}`)?.metadata?.resourceVersion ?? '-'}`).join(',');

  const reconcile = async (key: string, signal: AbortSignal): Promise<HandlerResult | void> => {
    const registry = registries.get(key);
    if (!registry || registry.metadata.deletionTimestamp) {
      catalogues.delete(key);
      failures.delete(key);
      credentialsSeen.delete(key);
      return;
    }
    const at = now();
    const generation = registry.metadata.generation ?? 0;
    const syncRequest = registry.metadata.annotations?.[SYNC_REQUESTED_ANNOTATION];
    const credentials = credentialsVersion(registry);
    const seen = credentialsSeen.get(key);
    credentialsSeen.set(key, credentials);
    const credentialsChanged =
      seen === undefined ? credentials !== '' && SECRET_CURED.has(readyReason(registry) ?? '') : seen !== credentials;
    // The failures so far were the old credentials': a fault meeting the new ones starts a new backoff.
    if (credentialsChanged) failures.delete(key);
    const decision = decideSync({
      now: at.getTime(),
      generation,
      observedGeneration: registry.status?.observedGeneration,
      suspend: registry.spec.suspend ?? false,
      syncRequest,
      lastHandledSyncRequest: registry.status?.lastHandledSyncRequest,
      nextSyncTime: registry.status?.nextSyncTime,
      credentialsChanged,
    });

    if (!decision.sync) {
      const catalogue = catalogues.get(key);
      if (catalogue) await writePacks(manager.client, packsOf(packs, key), desiredPacks(registry, catalogue));
      if (decision.why === 'suspended') {
        await writeStatus(registry, { kind: 'suspended' }, at);
        return;
      }
      return { requeueAfter: decision.wakeInMs };
    }

    const intervalMs = parseGoDuration(registry.spec.interval ?? '24h');
    const outcome = await sync(registry, signal);
    let nextMs = jitteredInterval(intervalMs, random);
    if (outcome.kind === 'failed') {
      const n = (failures.get(key) ?? 0) + 1;
      failures.set(key, n);
      const backoff = Math.min(MAX_RETRY_MS, 1000 * 2 ** Math.min(n, 10));
      nextMs = Math.max(outcome.retryAfterMs ?? 0, Math.min(intervalMs, backoff));
    } else {
      failures.delete(key);
    }
    await writeStatus(registry, outcome, at, new Date(at.getTime() + nextMs), syncRequest);
    await recordEvent(registry, outcome);
    return { requeueAfter: nextMs };
  };

  async function sync(registry: Registry, signal: AbortSignal): Promise<SyncOutcome & { retryAfterMs?: number }> {
    const key = registry.metadata.name;
    const source = opts.sources[registry.spec.type];
    if (!source) return { kind: 'failed', reason: 'Unsupported', message: unsupportedType(registry.spec.type) };
    const timeoutMs = parseGoDuration(registry.spec.timeout ?? '60s');
    try {
      const credentials = registryCredentials(registry.spec, (name: string) => secrets.get(`${manager.opts.namespace}/${name}`), manager.opts.namespace);
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
        timeoutMs,
        signal,
      });
      if (!result.changed) {
        const catalogue = catalogues.get(key);
        if (catalogue) await writePacks(manager.client, packsOf(packs, key), desiredPacks(registry, catalogue));
        return { kind: 'unchanged' };
      }
      const summary = await writePacks(manager.client, packsOf(packs, key), desiredPacks(registry, result.packs));
      catalogues.set(key, result.packs);
      manager.log.info({ registry: key, revision: result.revision, ...summary }, 'registry synced');
      return {
        kind: 'synced',
        revision: result.revision,
        etag: result.etag,
        packCount: result.packs.length,
        versionCount: result.packs.reduce((n, p) => n + p.versions.length, 0),
        skippedVersions: result.skippedVersions,
        changed: summary.created + summary.updated + summary.deleted > 0,
      };
    } catch (err) {
      if (err instanceof SourceError) {
        manager.log.warn({ registry: key, reason: err.reason, err: err.message }, 'registry sync failed');
        return { kind: 'failed', reason: err.reason, message: err.message, retryAfterMs: err.retryAfterMs };
      }
      // A Pack the apiserver will not store (too many versions for one object) needs a filter, not a retry.
      if (err instanceof KubeApiError && (err.code === 413 || (err.code === 422 && /too long|too large|exceeds/i.test(err.message)))) {
        const message = `a Pack is too large for the apiserver (${err.message.slice(0, 200)}); set spec.filter.maxVersionsPerPack`;
        manager.log.warn({ registry: key, err: message }, 'registry sync failed');
        return { kind: 'failed', reason: 'PackTooLarge', message };
      }
      throw err; // any other apiserver error writing Packs: let the queue retry with backoff
    }
  }

  async function writeStatus(registry: Registry, outcome: SyncOutcome, at: Date, nextSyncAt?: Date, syncRequest?: string) {
    const status = registryStatus({
      previous: registry.status,
      generation: registry.metadata.generation ?? 0,
      outcome,
      url: redactUrl(registry.spec.url),
      now: at,
      nextSyncAt,
      syncRequest,
    });
    await manager.statusWriter.write(PACKREGISTRY, registry, status as Record<string, unknown>);
  }

  async function recordEvent(registry: Registry, outcome: SyncOutcome) {
    const before = registry.status?.conditions?.find((c) => c.type === 'Ready');
    if (outcome.kind === 'failed') {
      if (before?.status !== 'False' || before.reason !== outcome.reason) {
        await manager.events.record(registry, 'Warning', outcome.reason, outcome.message, 'Sync');
      }
    } else if (outcome.kind === 'synced' && (outcome.changed || before?.status !== 'True')) {
      await manager.events.record(registry, 'Normal', 'Synced', `synced ${outcome.packCount} packs (${outcome.versionCount} versions), revision ${outcome.revision.slice(0, 19)}`, 'Sync');
    }
  }

  manager.add(
    new Controller({
      name: 'packregistry',
      primary: registries,
      watches: [
        { informer: secrets, toKeys: (s: SecretObject) => registries.byIndex(BY_SECRET, s.metadata?.name ?? '').map((r) => r.metadata.name) },
        // Packs of every shard are cached; only this shard's registries are woken by theirs.
        { informer: packs, toKeys: (p: Pack) => [(p.metadata?.labels ?? {})[REGISTRY_LABEL] ?? ''].filter((r) => registries.get(r)) },
      ] as never,
      reconcile,
      isOwnStatusWrite: (obj: KubernetesObject) => manager.statusWriter.isOwnWrite(obj),
      workers: opts.workers ?? 4,
      metrics: manager.metrics.forController('packregistry'),
      log: manager.log,
    }) as never,
  );
}

function readyReason(registry: Registry): string | undefined {
  const ready = registry.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'False' ? ready.reason : undefined;
}

function packsOf(packs: Informer<Pack & KubernetesObject>, registry: string): Pack[] {
  return packs.byIndex(PACKS_BY_REGISTRY, registry);
}
