import { defaultControllerRateLimiter, type RateLimiter } from './backoff.js';
import { realClock, type Clock, type TimerHandle } from './clock.js';
import { TerminalError } from './errors.js';
import { yieldTurn } from './event-loop-turn.js';

/** The longest delay Node's setTimeout honours; it fires a longer one after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Work in progress right now, read at scrape time (client-go polls it every 500 ms instead). */
export interface UnfinishedWork {
  /** Sum of how long every in-flight key has been processing. */
  totalSeconds: number;
  longestSeconds: number;
}

/** What the queue reports, named after client-go's workqueue metrics. */
export interface WorkqueueMetrics {
  add(): void;
  setDepth(depth: number): void;
  retry(): void;
  observeQueueDuration(seconds: number): void;
  observeWorkDuration(seconds: number): void;
  /** Called once with a probe that the metrics side may call whenever it wants fresh numbers. */
  watchUnfinishedWork(probe: () => UnfinishedWork): void;
}

export type ReconcileOutcome = 'success' | 'error' | 'requeue' | 'requeue_after';

/** What run() reports, named after controller-runtime's reconcile metrics. */
export interface ReconcileMetrics {
  reconciled(outcome: ReconcileOutcome, seconds: number): void;
  setActiveWorkers(workers: number): void;
  setMaxConcurrentReconciles(workers: number): void;
}

export interface HandlerResult {
  /** Process the key again after this many ms (a periodic resync); failure history is forgotten. */
  requeueAfter?: number;
  /** Process the key again after its rate-limited backoff, without treating it as an error. */
  requeue?: boolean;
}

/**
 * Reconciles one key. Throwing retries with backoff; throwing TerminalError does not. The signal
 * aborts when shutdown's grace period runs out, so long I/O can stop early.
 */
export type Handler = (key: string, signal: AbortSignal) => Promise<HandlerResult | void> | HandlerResult | void;

export interface WorkQueueOptions {
  clock?: Clock;
  rateLimiter?: RateLimiter;
  /** The longest per-key backoff of the default rate limiter (client-go's: 1000 s); Flux's --max-retry-delay. */
  maxRetryDelayMs?: number;
  metrics?: WorkqueueMetrics;
  reconcileMetrics?: ReconcileMetrics;
  /** Told about every handler failure; `retried` is false for terminal errors. */
  onError?: (key: string, error: unknown, retried: boolean) => void;
  /**
   * How a worker lets the event loop run between keys; `yieldTurn` by default. Its budget is real
   * time, so tests that step a fake clock pass a plain one-immediate yield to stay deterministic.
   */
  yieldBetweenKeys?: () => Promise<void>;
}

interface Waiting {
  readyAt: number;
  timer: TimerHandle;
}

/**
 * client-go's rate-limiting work queue: each key is queued at most once, and a key is never handed
 * to two workers at once — adding a key that is being processed marks it dirty, and done() queues
 * it again. Keys are strings (namespace/name) so identity is by value.
 */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly rateLimiter: RateLimiter;
  private readonly metrics: WorkqueueMetrics | undefined;
  private readonly reconcileMetrics: ReconcileMetrics | undefined;
  private readonly onError: WorkQueueOptions['onError'];
  private readonly yieldBetweenKeys: () => Promise<void>;

  // A Set iterates in insertion order, so it is the FIFO and the dedup index at once.
  private readonly queued = new Set<string>();
  /**
   * Keys added at low priority (an informer's initial list, a resync): handed out only when `queued`
   * is empty, and moved there when added again at normal priority (controller-runtime's priority queue).
   */
  private readonly backlog = new Set<string>();
  /** Added while processing: queued again when done. */
  private readonly dirty = new Set<string>();
  /** Key → when processing started. */
  private readonly processing = new Map<string, number>();
  /** Key → when it was added, for the queue latency metric. */
  private readonly addedAt = new Map<string, number>();
  private readonly waiting = new Map<string, Waiting>();
  private readonly idleWorkers: ((key: string | undefined) => void)[] = [];

  private readonly abort = new AbortController();
  private shutdownResult: Promise<boolean> | undefined;
  private onDrained: (() => void) | undefined;
  private running = false;
  private activeWorkers = 0;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.rateLimiter =
      options.rateLimiter ?? defaultControllerRateLimiter({ clock: this.clock, maxDelayMs: options.maxRetryDelayMs });
    this.metrics = options.metrics;
    this.reconcileMetrics = options.reconcileMetrics;
    this.onError = options.onError;
    this.yieldBetweenKeys = options.yieldBetweenKeys ?? yieldTurn;
    this.metrics?.watchUnfinishedWork(() => this.unfinishedWork());
  }

  /** Keys waiting to be handed out (including dirty keys whose worker has not finished). */
  get depth(): number {
    return this.queued.size + this.backlog.size + this.dirty.size;
  }

  get shuttingDown(): boolean {
    return this.shutdownResult !== undefined;
  }

  /**
   * Adds `key` ahead of every queued key (or moves it there): for a change that cures a failure now
   * (a rotated Secret), which must not wait behind slow work queued before it.
   */
  addFirst(key: string): void {
    if (this.shuttingDown || this.dirty.has(key) || this.processing.has(key)) return this.add(key);
    if (!this.queued.has(key) && !this.backlog.delete(key)) {
      this.addedAt.set(key, this.clock.now());
      this.metrics?.add();
    }
    const rest = [...this.queued].filter((k) => k !== key);
    this.queued.clear();
    this.queued.add(key);
    for (const k of rest) this.queued.add(k);
    this.dispatch();
    this.metrics?.setDepth(this.depth);
  }

  /**
   * Adds `key` unless it is queued already. `low`: behind every key added at normal priority, for
   * work that only re-checks (a new leader's initial list of thousands, a resync), so that changes
   * made meanwhile are acted on first; a key added again at normal priority moves ahead.
   */
  add(key: string, opts: { low?: boolean } = {}): void {
    if (this.shuttingDown || this.queued.has(key) || this.dirty.has(key)) return;
    if (this.backlog.has(key)) {
      if (opts.low) return;
      this.backlog.delete(key); // keeps its addedAt: the queue latency counts from the first add
      this.queued.add(key);
      this.dispatch();
      return;
    }
    this.addedAt.set(key, this.clock.now());
    this.metrics?.add();
    if (this.processing.has(key)) {
      this.dirty.add(key);
    } else {
      (opts.low ? this.backlog : this.queued).add(key);
      this.dispatch();
    }
    this.metrics?.setDepth(this.depth);
  }

  /** Adds `key` after `delayMs`. A key already waiting keeps the earlier of its two ready times. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    this.metrics?.retry();
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + delayMs;
    const existing = this.waiting.get(key);
    if (existing && existing.readyAt <= readyAt) return;
    if (existing) this.clock.clearTimeout(existing.timer);
    this.wait(key, readyAt);
  }

  /**
   * Adds `key` at `readyAt`, in steps a timer can take: Node fires a timeout longer than 2^31-1 ms
   * (about 24.8 days, e.g. a registry's `interval: 720h`) after 1 ms instead, which made a hot loop.
   */
  private wait(key: string, readyAt: number): void {
    const left = readyAt - this.clock.now();
    const timer = this.clock.setTimeout(
      () => {
        if (left > MAX_TIMER_MS) {
          this.wait(key, readyAt);
          return;
        }
        this.waiting.delete(key);
        this.add(key);
      },
      Math.min(left, MAX_TIMER_MS),
    );
    this.waiting.set(key, { readyAt, timer });
  }

  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Clears the key's failure history: call it after a success, or when giving up. */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /** The next key to process, or undefined once shutting down. The caller must call done(key). */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.take();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.idleWorkers.push(resolve));
  }

  done(key: string): void {
    const startedAt = this.processing.get(key);
    if (startedAt === undefined) return;
    this.processing.delete(key);
    this.metrics?.observeWorkDuration((this.clock.now() - startedAt) / 1000);
    if (this.dirty.delete(key)) {
      this.queued.add(key);
      this.dispatch();
    }
    this.metrics?.setDepth(this.depth);
    if (this.processing.size === 0) this.onDrained?.();
  }

  /** Processes keys with `workers` concurrent handlers until shutdown; resolves when they have all stopped. */
  async run(workers: number, handler: Handler): Promise<void> {
    if (!Number.isInteger(workers) || workers < 1)
      throw new RangeError(`workers must be a positive integer, got ${workers}`);
    if (this.running) throw new Error('run() was already called on this queue');
    this.running = true;
    this.reconcileMetrics?.setMaxConcurrentReconciles(workers);
    const worker = async () => {
      for (let key = await this.get(); key !== undefined; key = await this.get()) {
        await this.process(key, handler);
        // A handler with nothing to write resolves without I/O; a run of those (a resync of thousands
        // of unchanged objects) would be one chain of microtasks, and no timer, probe or lease renewal
        // could run until it ended. A yield per key, bounded per event-loop turn, lets them in.
        await this.yieldBetweenKeys();
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
  }

  /**
   * Stops handing out work (queued and delayed keys are dropped: the next leader's initial list
   * finds them again) and waits for in-flight handlers. After `graceMs` it aborts their signal and
   * resolves anyway. Resolves true when everything in flight finished in time.
   */
  shutdown(graceMs: number): Promise<boolean> {
    if (this.shutdownResult) return this.shutdownResult;
    this.shutdownResult = new Promise<boolean>((resolve) => {
      const grace = this.clock.setTimeout(() => {
        this.onDrained = undefined;
        this.abort.abort(new Error(`work queue shut down with ${this.processing.size} key(s) still in flight`));
        resolve(false);
      }, graceMs);
      this.onDrained = () => {
        this.onDrained = undefined;
        this.clock.clearTimeout(grace);
        resolve(true);
      };
    });
    for (const { timer } of this.waiting.values()) this.clock.clearTimeout(timer);
    this.waiting.clear();
    this.queued.clear();
    this.backlog.clear();
    this.dirty.clear();
    this.addedAt.clear();
    this.metrics?.setDepth(0);
    for (const idle of this.idleWorkers.splice(0)) idle(undefined);
    if (this.processing.size === 0) this.onDrained?.();
    return this.shutdownResult;
  }

  private take(): string | undefined {
    const [key] = this.queued.size > 0 ? this.queued : this.backlog;
    if (key === undefined) return undefined;
    this.queued.delete(key);
    this.backlog.delete(key);
    const now = this.clock.now();
    this.processing.set(key, now);
    const addedAt = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (addedAt !== undefined) this.metrics?.observeQueueDuration((now - addedAt) / 1000);
    this.metrics?.setDepth(this.depth);
    return key;
  }

  // Keys are marked processing here, synchronously, not when the worker's continuation runs, so
  // nothing can hand the same key out twice in between.
  private dispatch(): void {
    while (this.idleWorkers.length > 0 && this.queued.size + this.backlog.size > 0) {
      this.idleWorkers.shift()?.(this.take());
    }
  }

  private async process(key: string, handler: Handler): Promise<void> {
    const startedAt = this.clock.now();
    this.reconcileMetrics?.setActiveWorkers(++this.activeWorkers);
    let outcome: ReconcileOutcome;
    try {
      const result = (await handler(key, this.abort.signal)) ?? {};
      if (result.requeueAfter !== undefined && result.requeueAfter > 0) {
        this.forget(key);
        this.addAfter(key, result.requeueAfter);
        outcome = 'requeue_after';
      } else if (result.requeue) {
        this.addRateLimited(key);
        outcome = 'requeue';
      } else {
        this.forget(key);
        outcome = 'success';
      }
    } catch (error) {
      outcome = 'error';
      const retried = !(error instanceof TerminalError);
      if (retried) this.addRateLimited(key);
      else this.forget(key);
      this.reportError(key, error, retried);
    }
    // Requeue before done(): a key re-added while still processing goes through the dirty set, so
    // it cannot start again until this run has finished.
    this.done(key);
    this.reconcileMetrics?.setActiveWorkers(--this.activeWorkers);
    this.reconcileMetrics?.reconciled(outcome, (this.clock.now() - startedAt) / 1000);
  }

  private reportError(key: string, error: unknown, retried: boolean): void {
    try {
      this.onError?.(key, error, retried);
    } catch {
      // A throwing error hook must not kill the worker and shrink the pool for good.
    }
  }

  private unfinishedWork(): UnfinishedWork {
    const now = this.clock.now();
    let totalSeconds = 0;
    let longestSeconds = 0;
    for (const startedAt of this.processing.values()) {
      const seconds = (now - startedAt) / 1000;
      totalSeconds += seconds;
      longestSeconds = Math.max(longestSeconds, seconds);
    }
    return { totalSeconds, longestSeconds };
  }
}
