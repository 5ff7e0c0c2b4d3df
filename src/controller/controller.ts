import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Informer } from './informer.js';
import type { ControllerMetrics } from './metrics.js';
import { objectKey } from './object-key.js';
import { WorkQueue, type Handler } from './workqueue.js';

/** A secondary resource whose changes map to primary keys (e.g. a Pack → the profiles using it). */
export interface Watch<T extends KubernetesObject = KubernetesObject> {
  informer: Informer<T>;
  toKeys: (obj: T) => string[];
  /** Whether an update matters to the primaries; all updates do when unset. Resyncs always pass. */
  relevant?: (oldObj: T, newObj: T) => boolean;
  /** Its keys go to the head of the queue (WorkQueue.addFirst): a change that must act at once. */
  urgent?: boolean;
}

/**
 * A watch checked against its informer's object type. The controller only hands `toKeys` and
 * `relevant` objects from that informer, so widening to `Watch` afterwards is sound.
 */
export function watch<T extends KubernetesObject>(w: Watch<T>): Watch {
  return w as unknown as Watch;
}

export interface ControllerOptions<P extends KubernetesObject> {
  name: string;
  primary: Informer<P>;
  watches?: Watch[];
  reconcile: Handler;
  workers?: number;
  metrics?: ControllerMetrics;
  log?: Logger;
  /**
   * Tells the echo of our own status write from anyone else's (StatusWriter.isOwnWrite). When set, a
   * status-only update by someone else is reconciled: e.g. a previous leader's last write, which this
   * replica's cache had not seen when it computed the same status and skipped writing it.
   */
  isOwnStatusWrite?: (obj: P) => boolean;
  /** Time for the work queue's delays; the manager passes its own. */
  clock?: Clock;
  /** The longest backoff after a failed or requeued reconcile (default 1000 s, as client-go's). */
  maxRetryDelayMs?: number;
}

/**
 * Binds informers to a work queue and a reconcile function, as controller-runtime's Controller
 * does. Primary updates that only touch status are ignored when they are our own writes (each would
 * otherwise trigger a reconcile); periodic resyncs still come through.
 */
export class Controller<P extends KubernetesObject> {
  readonly queue: WorkQueue;
  private running?: Promise<void>;

  constructor(private readonly opts: ControllerOptions<P>) {
    this.queue = new WorkQueue({
      clock: opts.clock,
      maxRetryDelayMs: opts.maxRetryDelayMs,
      metrics: opts.metrics?.workqueue,
      reconcileMetrics: opts.metrics?.reconcile,
      onError: (key, err, retried) =>
        opts.log?.error(
          { controller: opts.name, key, err: (err as Error)?.message ?? String(err), retried },
          'reconcile failed',
        ),
    });
    // What an informer's initial list and its resyncs add only re-checks: low priority, behind changes
    // (controller-runtime's priority queue). A new leader starts with thousands of those queued.
    const initialList = (informer: { hasSynced(): boolean }) => ({ low: !informer.hasSynced() });
    const resync = { low: true };
    opts.primary.on({
      onAdd: (obj) => this.queue.add(objectKey(obj), initialList(opts.primary)),
      onUpdate: (old, obj) => {
        const foreignStatus = opts.isOwnStatusWrite !== undefined && !opts.isOwnStatusWrite(obj);
        if (old === obj) this.queue.add(objectKey(obj), resync);
        else if (specOrMetadataChanged(old, obj) || foreignStatus) this.queue.add(objectKey(obj));
      },
      onDelete: (obj) => this.queue.add(objectKey(obj)),
    });
    for (const watch of opts.watches ?? []) {
      const enqueue = (obj: KubernetesObject, priority: { low: boolean } = { low: false }) =>
        watch
          .toKeys(obj)
          .forEach((key) => (watch.urgent && !priority.low ? this.queue.addFirst(key) : this.queue.add(key, priority)));
      watch.informer.on({
        onAdd: (obj) => enqueue(obj, initialList(watch.informer)),
        onUpdate: (old, obj) => {
          if (old === obj) enqueue(obj, resync);
          else if (!watch.relevant || watch.relevant(old, obj)) enqueue(obj);
        },
        onDelete: (obj) => enqueue(obj),
      });
    }
  }

  get name(): string {
    return this.opts.name;
  }

  /** Starts the workers; keys queued by the informers before this are processed first. */
  start(): void {
    this.running ??= this.queue.run(this.opts.workers ?? 2, this.opts.reconcile);
  }

  /** Stops taking work and waits up to graceMs for in-flight reconciles. */
  async stop(graceMs: number): Promise<boolean> {
    const finished = await this.queue.shutdown(graceMs);
    return finished;
  }
}

function specOrMetadataChanged(old: KubernetesObject, obj: KubernetesObject): boolean {
  const a = old.metadata ?? {};
  const b = obj.metadata ?? {};
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    JSON.stringify(a.annotations ?? {}) !== JSON.stringify(b.annotations ?? {}) ||
    JSON.stringify(a.labels ?? {}) !== JSON.stringify(b.labels ?? {}) ||
    // Objects without a status subresource (ConfigMaps, Secrets) have no generation to compare.
    (a.generation === undefined && a.resourceVersion !== b.resourceVersion)
  );
}
