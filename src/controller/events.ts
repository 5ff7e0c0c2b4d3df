import type { KubernetesObject } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { rfc3339Micro } from '../api/time.js';
import { realClock, type Clock } from './clock.js';
import { isAlreadyExists, isNotFound, KubeApiError, type KubeClient, type ResourceType } from './kube-client.js';

export const EVENT_TYPE: ResourceType = {
  group: 'events.k8s.io',
  version: 'v1',
  plural: 'events',
  kind: 'Event',
  namespaced: true,
};

export type EventSeverity = 'Normal' | 'Warning';

interface Recorded {
  name: string;
  namespace: string;
  count: number;
  lastSeen: number;
  /** The last write for this event: a series patch must follow the create it patches. */
  written: Promise<void>;
}

/** client-go's broadcaster queues this many events and drops the rest rather than block its callers. */
export const MAX_QUEUED_EVENTS = 4096;
/** Events are written in the background, a few at a time, behind the status writes that matter more. */
const CONCURRENT_WRITES = 4;
/**
 * While status writes are in flight, one at a time (as client-go's broadcaster always writes them):
 * the thousand first-resolution events of a mass convergence then take little of the apiserver the
 * status writes are waiting on, and follow once those are done.
 */
const CONCURRENT_WRITES_WHILE_BUSY = 1;
/**
 * The events remembered for deduplication: the most recently seen, as client-go's correlator keeps an
 * LRU cache of this many. A bound by the window alone let a mass convergence remember every event of
 * the last ten minutes and scan them all on each new one (5,000 profiles: 1.7 s of the loop).
 */
const MAX_REMEMBERED = 4096;
/**
 * client-go's recorder tries an event this many times, this long apart (the first wait a random part
 * of it, so replicas do not all come back at once), while the apiserver cannot be reached; an answer
 * that refuses the event is not tried again.
 */
const MAX_TRIES_PER_EVENT = 12;
const RETRY_DELAY_MS = 10_000;

export interface EventRecorderOptions {
  log?: Logger;
  /** A repeat within this window updates the first event's series. */
  dedupWindowMs?: number;
  clock?: Clock;
  maxQueued?: number;
  /** Whether writes that matter more (status) are in flight: events then go one at a time. */
  busy?: () => boolean;
  /** How long to wait before trying a write again (RETRY_DELAY_MS). */
  retryDelayMs?: number;
}

/**
 * Records events.k8s.io/v1 Events. A repeat of the same event on the same object within the dedup
 * window updates the existing Event's series instead of creating a new one, as client-go does.
 *
 * Like client-go's recorder, recording never holds up a reconcile: events are queued and written in
 * the background (the returned promise, which callers need not await, settles once written), at most
 * MAX_QUEUED_EVENTS wait, and past that they are dropped with a warning. A write the apiserver did
 * not answer (an outage, a leader's lease in doubt) is tried again (MAX_TRIES_PER_EVENT), holding
 * its place as client-go holds everything while it keeps trying; failures are logged, never thrown:
 * an event is never worth failing a reconcile for.
 */
export class EventRecorder {
  private readonly recent = new Map<string, Recorded>();
  private readonly queue: (() => Promise<void>)[] = [];
  private inFlight = 0;
  private dropped = 0;
  private idle: (() => void)[] = [];
  /** Writes waiting to be tried again: each ends its wait early at stop(). */
  private readonly waiting = new Set<() => void>();
  private stopped = false;

  private readonly log?: Logger;
  private readonly dedupWindowMs: number;
  private readonly clock: Clock;
  private readonly maxQueued: number;
  private readonly busy: () => boolean;
  private readonly retryDelayMs: number;

  constructor(
    private readonly client: KubeClient,
    private readonly controller: string,
    private readonly instance: string,
    opts: EventRecorderOptions = {},
  ) {
    this.log = opts.log;
    this.dedupWindowMs = opts.dedupWindowMs ?? 10 * 60_000;
    this.clock = opts.clock ?? realClock;
    this.maxQueued = opts.maxQueued ?? MAX_QUEUED_EVENTS;
    this.busy = opts.busy ?? (() => false);
    this.retryDelayMs = opts.retryDelayMs ?? RETRY_DELAY_MS;
  }

  /** Events waiting or being written. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  record(
    regarding: KubernetesObject,
    severity: EventSeverity,
    reason: string,
    note: string,
    action = 'Reconcile',
  ): Promise<void> {
    const uid = regarding.metadata?.uid ?? '';
    const dedupKey = `${uid}\u0000${severity}\u0000${reason}\u0000${note}`;
    const previous = this.recent.get(dedupKey);
    const now = this.clock.now();
    if (previous && now - previous.lastSeen < this.dedupWindowMs) {
      previous.count++;
      previous.lastSeen = now;
      this.remember(dedupKey, previous);
      const count = previous.count;
      const after = previous.written;
      const written = this.enqueue(reason, async () => {
        await after;
        // A later repeat already queued carries a higher count: only the last patch needs sending.
        if (previous.count !== count) return;
        const series = { count, lastObservedTime: rfc3339Micro(now) };
        try {
          await this.client.mergePatch(EVENT_TYPE, previous.name, previous.namespace, { series });
        } catch (err) {
          if (!isNotFound(err)) throw err;
          // Deleted since (by hand, or its TTL): created again with its series, as client-go does.
          const event = this.eventOf(regarding, severity, reason, note, action, now);
          previous.name = event.metadata.name;
          await this.create({ ...event, series } as KubernetesObject);
        }
      });
      if (written) previous.written = written;
      return written ?? Promise.resolve();
    }
    const event = this.eventOf(regarding, severity, reason, note, action, now);
    const { name } = event.metadata;
    const written = this.enqueue(
      reason,
      () => this.create(event),
      // Not created: a repeat creates it again rather than patching nothing.
      () => this.recent.get(dedupKey)?.name === name && this.recent.delete(dedupKey),
    );
    if (!written) return Promise.resolve();
    this.remember(dedupKey, { name, namespace: event.metadata.namespace, count: 1, lastSeen: now, written });
    return written;
  }

  /** Resolves once every queued event is written, or after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<void> {
    if (this.pending === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.idle.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  /** Ends the waits of writes to be tried again: they are not tried again (the manager stops). */
  stop(): void {
    this.stopped = true;
    for (const wake of this.waiting) wake();
    this.waiting.clear();
  }

  /**
   * Queues a write; the promise settles (never rejects) once it has been written or given up on,
   * `gaveUp` called then. Undefined: dropped.
   */
  private enqueue(reason: string, write: () => Promise<void>, gaveUp?: () => void): Promise<void> | undefined {
    if (this.queue.length >= this.maxQueued) {
      if (this.dropped++ % 1000 === 0)
        this.log?.warn({ reason, dropped: this.dropped }, 'event queue full, dropping events');
      return undefined;
    }
    return new Promise<void>((resolve) => {
      this.queue.push(() =>
        this.withRetries(reason, write).then((written) => {
          if (!written) gaveUp?.();
          resolve();
        }),
      );
      this.drain();
    });
  }

  /** A write, tried again while the apiserver cannot be reached (client-go's recordToSink); false when given up. */
  private async withRetries(reason: string, write: () => Promise<void>): Promise<boolean> {
    for (let tries = 1; ; tries++) {
      try {
        await write();
        return true;
      } catch (err) {
        const retry = unreachable(err) && tries < MAX_TRIES_PER_EVENT && !this.stopped;
        this.log?.[retry ? 'debug' : 'warn']({ reason, tries, err: (err as Error).message }, 'could not record event');
        if (!retry) return false;
        await this.wait(tries === 1 ? Math.random() * this.retryDelayMs : this.retryDelayMs);
        if (this.stopped) return false;
      }
    }
  }

  private wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        this.waiting.delete(wake);
        this.clock.clearTimeout(timer);
        resolve();
      };
      const timer = this.clock.setTimeout(wake, ms);
      this.waiting.add(wake);
    });
  }

  /** Creates an Event; one that exists already is a create of an earlier try that landed unanswered. */
  private async create(event: KubernetesObject): Promise<void> {
    try {
      await this.client.create(EVENT_TYPE, event);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  private drain(): void {
    // Checked again as each write ends: writing one at a time while busy, up to the full number after.
    const limit = this.busy() ? CONCURRENT_WRITES_WHILE_BUSY : CONCURRENT_WRITES;
    while (this.inFlight < limit && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.inFlight++;
      void next().then(() => {
        this.inFlight--;
        if (this.pending === 0) for (const done of this.idle.splice(0)) done();
        else this.drain();
      });
    }
  }

  /** An events.k8s.io/v1 Event about `regarding`, under a name of its own. */
  private eventOf(
    regarding: KubernetesObject,
    severity: EventSeverity,
    reason: string,
    note: string,
    action: string,
    now: number,
  ): KubernetesObject & { metadata: { name: string; namespace: string } } {
    // Cluster-scoped objects get their events in `default`, as client-go does.
    const namespace = regarding.metadata?.namespace || 'default';
    return {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${regarding.metadata?.name}.${randomBytes(8).toString('hex')}`, namespace },
      eventTime: rfc3339Micro(now),
      reportingController: this.controller,
      reportingInstance: this.instance,
      action,
      reason,
      note: note.slice(0, 1024),
      type: severity,
      regarding: {
        apiVersion: regarding.apiVersion,
        kind: regarding.kind,
        name: regarding.metadata?.name,
        namespace: regarding.metadata?.namespace,
        uid: regarding.metadata?.uid ?? '',
        resourceVersion: regarding.metadata?.resourceVersion,
      },
    } as KubernetesObject & { metadata: { name: string; namespace: string } };
  }

  /** Remembers an event as the most recently seen (a Map iterates in insertion order: the least recent first). */
  private remember(key: string, rec: Recorded): void {
    this.recent.delete(key);
    this.recent.set(key, rec);
    if (this.recent.size > MAX_REMEMBERED) this.recent.delete(this.recent.keys().next().value!);
  }
}

/**
 * An error that says nothing about the event: no answer (a transport error, a timeout, a write the
 * fence aborted) or the apiserver's "try later" (429, 5xx). client-go retries the first kind only; its
 * REST client retries the second itself, which this one does not.
 */
function unreachable(err: unknown): boolean {
  return !(err instanceof KubeApiError) || err.code === 429 || err.code >= 500;
}
