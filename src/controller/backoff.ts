import type { Clock } from './clock.js';

/** base · 2^attempt, capped at maxMs (2 ** n is Infinity past n = 1023, which min() still caps). */
export function exponentialDelay(attempt: number, baseMs: number, maxMs = Number.POSITIVE_INFINITY): number {
  return Math.min(baseMs * 2 ** attempt, maxMs);
}

/**
 * `ms` moved at random within [ms·(1 − below), ms·(1 + above)], so clients that started together
 * drift apart. `below` only shortens (a cap stays a cap); `above` only lengthens (never sooner than
 * asked). `random` returns [0, 1) and is injected so tests are deterministic.
 */
export function jitter(
  ms: number,
  spread: { below?: number; above?: number },
  random: () => number = Math.random,
): number {
  const { below = 0, above = 0 } = spread;
  return ms * (1 - below + (below + above) * random());
}

/** client-go's workqueue.TypedRateLimiter: how long to wait before retrying a key. */
export interface RateLimiter {
  /** The delay in ms before `key` may be retried; counts as one more failure. */
  when(key: string): number;
  /** The key succeeded (or gave up): its failure history starts over. */
  forget(key: string): void;
  numRequeues(key: string): number;
}

export interface ItemExponentialOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Fraction (0..1) of each delay that may be shaved off at random; 0 reproduces client-go exactly. */
  jitter?: number;
  /** Returns [0, 1); injected so tests are deterministic. */
  random?: () => number;
}

export const DEFAULT_BASE_DELAY_MS = 5;
export const DEFAULT_MAX_DELAY_MS = 1000 * 1000;
export const DEFAULT_JITTER = 0.1;

/** client-go's ItemExponentialFailureRateLimiter (base · 2^failures, capped), plus jitter. */
export class ItemExponentialRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(options: ItemExponentialOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.jitter = options.jitter ?? DEFAULT_JITTER;
    this.random = options.random ?? Math.random;
    if (!(this.jitter >= 0 && this.jitter <= 1))
      throw new RangeError(`jitter must be within [0, 1], got ${this.jitter}`);
  }

  when(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    // Jitter only shortens the delay: the cap stays a real upper bound, and keys that all reached it
    // still spread out instead of retrying together.
    return jitter(exponentialDelay(failures, this.baseDelayMs, this.maxDelayMs), { below: this.jitter }, this.random);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

export interface TokenBucketOptions {
  qps?: number;
  burst?: number;
  clock: Clock;
}

/**
 * client-go's BucketRateLimiter (golang.org/x/time/rate's Reserve): an overall limit across all
 * keys, so a mass failure cannot turn into a retry storm against the apiserver or registries.
 */
export class TokenBucketRateLimiter implements RateLimiter {
  private readonly qps: number;
  private readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private refilledAt: number;

  constructor(options: TokenBucketOptions) {
    this.qps = options.qps ?? 10;
    this.burst = options.burst ?? 100;
    this.clock = options.clock;
    if (!(this.qps > 0 && this.burst >= 1)) throw new RangeError('qps must be > 0 and burst >= 1');
    this.tokens = this.burst;
    this.refilledAt = this.clock.now();
  }

  when(): number {
    const now = this.clock.now();
    // A clock that steps backwards refills nothing rather than draining the bucket.
    const elapsedMs = Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.qps) / 1000);
    this.refilledAt = now;
    // Every call reserves a token, even one that is not there yet: debt makes later callers wait longer.
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.qps;
  }

  forget(): void {}

  numRequeues(): number {
    return 0;
  }
}

/** client-go's MaxOfRateLimiter: the strictest of its limiters wins. */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    if (limiters.length === 0) throw new RangeError('MaxOfRateLimiter needs at least one limiter');
    this.limiters = limiters;
  }

  when(key: string): number {
    // Every limiter must see the failure, so no short-circuiting.
    return Math.max(...this.limiters.map((l) => l.when(key)));
  }

  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }

  numRequeues(key: string): number {
    return Math.max(...this.limiters.map((l) => l.numRequeues(key)));
  }
}

export interface ControllerRateLimiterOptions extends ItemExponentialOptions {
  clock: Clock;
  qps?: number;
  burst?: number;
}

/** client-go's DefaultControllerRateLimiter: per-key 5 ms → 1000 s backoff, overall 10 qps / burst 100. */
export function defaultControllerRateLimiter(options: ControllerRateLimiterOptions): RateLimiter {
  return new MaxOfRateLimiter(
    new ItemExponentialRateLimiter(options),
    new TokenBucketRateLimiter({ qps: options.qps, burst: options.burst, clock: options.clock }),
  );
}
