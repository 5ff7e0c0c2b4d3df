import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { exponentialDelay, jitter } from './backoff.js';
import { realClock, type Clock, type TimerHandle } from './clock.js';
import { KubeApiError, type KubeClient, type ResourceType } from './kube-client.js';
import { objectKey } from './object-key.js';

export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions {
  type: ResourceType;
  namespace?: string;
  labelSelector?: string;
  /** Re-deliver every cached object as an update this often, to heal missed work (0 = never). */
  resyncMs?: number;
  /** A watch silent this long (bookmarks included) is considered stalled and restarted. */
  idleTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  log?: Logger;
  onRestart?: (err: unknown) => void;
  random?: () => number;
  /** Time for backoff and resync; the manager passes its own. */
  clock?: Clock;
  /**
   * Applied to every object on its way into the cache; stripManagedFields when unset, as
   * controller-runtime's TransformStripManagedFields: no controller reads them, and they are often
   * the larger part of a small object.
   */
  transform?: (obj: KubernetesObject) => KubernetesObject;
}

type Indexer<T> = (obj: T) => string[];

/**
 * A list-watch cache that survives: client-node's informer stops on any error but 410, so this one
 * owns the loop: relist on 410, restart with backoff and jitter on anything else, treat a silent
 * watch as stalled, and resync periodically. Written by hand: client-node offers no such informer.
 */
export class Informer<T extends KubernetesObject> {
  private readonly cache = new Map<string, T>();
  private readonly indexers = new Map<string, Indexer<T>>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private resourceVersion = '';
  private synced = false;
  private stopped = true;
  private activeWatch?: AbortController;
  private resyncTimer?: TimerHandle;
  private sleepAbort = new AbortController();
  private loop?: Promise<void>;
  private readonly syncWaiters: (() => void)[] = [];

  private readonly clock: Clock;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: InformerOptions,
  ) {
    this.clock = opts.clock ?? realClock;
  }

  get type(): ResourceType {
    return this.opts.type;
  }

  on(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
  }

  /**
   * Declares an index, e.g. profiles by the registries they use. Declare before start(). Informers
   * are shared, so a name already declared is kept: one name, one meaning.
   */
  addIndex(name: string, indexer: Indexer<T>): void {
    if (this.indexers.has(name)) return;
    this.indexers.set(name, indexer);
    this.indexes.set(name, new Map());
  }

  byIndex(name: string, value: string): T[] {
    const keys = this.indexes.get(name)?.get(value);
    if (!keys) return [];
    return [...keys].map((k) => this.cache.get(k)).filter((o): o is T => o !== undefined);
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.sleepAbort = new AbortController();
    this.loop = this.run();
    const resyncMs = this.opts.resyncMs ?? 0;
    const resyncEvery = () => {
      this.resyncTimer = this.clock.setTimeout(() => {
        this.resync();
        resyncEvery();
      }, resyncMs);
    };
    if (resyncMs > 0) resyncEvery();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) this.clock.clearTimeout(this.resyncTimer);
    this.sleepAbort.abort();
    this.activeWatch?.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        if (await this.watchOnce()) {
          failures = 0;
        } else {
          // A watch that closed without delivering anything must not become a tight reconnect loop.
          await this.sleep(this.backoff(++failures));
        }
      } catch (err) {
        if (this.stopped) break;
        if (err instanceof KubeApiError && err.code === 410) {
          this.resourceVersion = '';
          continue;
        }
        failures++;
        this.opts.onRestart?.(err);
        const delay = this.backoff(failures);
        this.opts.log?.warn(
          { resource: this.opts.type.plural, err: errorMessage(err), retryInMs: delay },
          'watch failed; restarting',
        );
        await this.sleep(delay);
      }
    }
  }

  private backoff(failures: number): number {
    const base = this.opts.backoffBaseMs ?? 250;
    const max = this.opts.backoffMaxMs ?? 30_000;
    return Math.round(jitter(exponentialDelay(failures - 1, base, max), { below: 0.5 }, this.opts.random));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(resolve, ms);
      this.sleepAbort.signal.addEventListener('abort', () => (this.clock.clearTimeout(timer), resolve()), {
        once: true,
      });
    });
  }

  private async relist(): Promise<void> {
    const list = await this.client.list<T>(this.opts.type, {
      namespace: this.opts.namespace,
      labelSelector: this.opts.labelSelector,
    });
    const seen = new Set<string>();
    for (const obj of list.items) {
      seen.add(objectKey(obj));
      this.upsert(obj);
    }
    for (const [key, obj] of [...this.cache]) if (!seen.has(key)) this.remove(obj);
    this.resourceVersion = list.metadata.resourceVersion ?? '';
    if (!this.synced) {
      this.synced = true;
      this.syncWaiters.splice(0).forEach((resolve) => resolve());
    }
  }

  /** One watch from the current resourceVersion. Resolves true when it delivered anything. */
  private watchOnce(): Promise<boolean> {
    return new Promise((resolve, reject) => {
      let progressed = false;
      const query: Record<string, string> = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: 'true',
        // Spread reconnects like client-go does (5-10 minutes).
        timeoutSeconds: String(Math.floor(jitter(300, { above: 1 }, this.opts.random))),
      };
      if (this.opts.labelSelector) query.labelSelector = this.opts.labelSelector;
      const onEvent = (phase: string, obj: KubernetesObject & { code?: number }) => {
        progressed = true;
        if (phase === 'ERROR') {
          if (obj.code === 410) this.resourceVersion = '';
          return;
        }
        if (phase === 'ADDED' || phase === 'MODIFIED') this.upsert(obj as T);
        else if (phase === 'DELETED') this.remove(obj as T);
        this.resourceVersion = obj.metadata?.resourceVersion ?? this.resourceVersion;
      };
      const onDone = (err: unknown) => {
        this.activeWatch = undefined;
        if (!err || this.stopped || isIdleTimeout(err)) resolve(progressed);
        else reject(statusError(err));
      };
      this.client
        .watch(this.opts.type, query, onEvent, onDone, this.opts.idleTimeoutMs ?? 90_000, this.opts.namespace)
        .then((controller) => {
          this.activeWatch = controller;
          if (this.stopped) controller.abort();
        }, reject);
    });
  }

  private upsert(received: T): void {
    const obj = (this.opts.transform ?? stripManagedFields)(received) as T;
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (old?.metadata?.resourceVersion === obj.metadata?.resourceVersion && old) return;
    this.cache.set(key, obj);
    this.reindex(key, old, obj);
    for (const h of this.handlers) {
      if (old) h.onUpdate?.(old, obj);
      else h.onAdd?.(obj);
    }
  }

  private remove(obj: T): void {
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (!old) return;
    this.cache.delete(key);
    this.reindex(key, old, undefined);
    for (const h of this.handlers) h.onDelete?.(old);
  }

  private resync(): void {
    for (const obj of this.cache.values()) for (const h of this.handlers) h.onUpdate?.(obj, obj);
  }

  private reindex(key: string, old: T | undefined, obj: T | undefined): void {
    for (const [name, indexer] of this.indexers) {
      const index = this.indexes.get(name)!;
      for (const value of old ? indexer(old) : []) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
      for (const value of obj ? indexer(obj) : []) {
        let keys = index.get(value);
        if (!keys) index.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
  }
}

/** Drops metadata.managedFields in place (objects come fresh from JSON.parse, owned by the cache). */
export function stripManagedFields(obj: KubernetesObject): KubernetesObject {
  if (obj.metadata?.managedFields) delete obj.metadata.managedFields;
  return obj;
}

function isIdleTimeout(err: unknown): boolean {
  return err instanceof Error && err.name === 'TimeoutError';
}

/** client-node reports a failed watch as an Error with statusCode; keep the code for 410 handling. */
function statusError(err: unknown): unknown {
  const code = (err as { statusCode?: number }).statusCode;
  return code ? new KubeApiError(code, 'WatchFailed', errorMessage(err)) : err;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
