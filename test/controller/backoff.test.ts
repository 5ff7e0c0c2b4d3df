import fc from 'fast-check';
import {
  defaultControllerRateLimiter,
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
  TokenBucketRateLimiter,
} from '../../src/controller/backoff.js';
import { FakeClock } from '../../src/controller/clock.js';

describe('ItemExponentialRateLimiter', () => {
  it('doubles from 5 ms per failure and caps at 1000 s (client-go defaults, no jitter)', () => {
    const limiter = new ItemExponentialRateLimiter({ jitter: 0 });
    const delays = Array.from({ length: 20 }, () => limiter.when('a'));
    expect(delays.slice(0, 4)).toEqual([5, 10, 20, 40]);
    expect(delays[17]).toBe(5 * 2 ** 17); // 655.36 s
    expect(delays[18]).toBe(1_000_000);
    expect(delays[19]).toBe(1_000_000);
    expect(limiter.numRequeues('a')).toBe(20);
  });

  it('stays capped after very many failures', () => {
    const limiter = new ItemExponentialRateLimiter({ jitter: 0, maxDelayMs: 60_000 });
    let last = 0;
    for (let i = 0; i < 2000; i++) last = limiter.when('a');
    expect(last).toBe(60_000);
  });

  it('tracks keys independently and forget() starts a key over', () => {
    const limiter = new ItemExponentialRateLimiter({ jitter: 0 });
    limiter.when('a');
    limiter.when('a');
    expect(limiter.when('b')).toBe(5);
    limiter.forget('a');
    expect(limiter.numRequeues('a')).toBe(0);
    expect(limiter.when('a')).toBe(5);
  });

  it('jitter only ever shortens a delay, by at most the jitter fraction', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (failures, jitter, r) => {
          const limiter = new ItemExponentialRateLimiter({ jitter, random: () => r });
          for (let i = 0; i < failures; i++) limiter.when('k');
          const unjittered = Math.min(5 * 2 ** failures, 1_000_000);
          const delay = limiter.when('k');
          return delay <= unjittered && delay >= unjittered * (1 - jitter);
        },
      ),
    );
  });

  it('is deterministic with an injected random()', () => {
    const limiter = new ItemExponentialRateLimiter({ jitter: 0.5, random: () => 0.5 });
    expect([limiter.when('a'), limiter.when('a')]).toEqual([3.75, 7.5]);
  });

  it('rejects a jitter outside [0, 1]', () => {
    expect(() => new ItemExponentialRateLimiter({ jitter: 1.5 })).toThrow(RangeError);
  });
});

describe('TokenBucketRateLimiter', () => {
  it('lets a burst through, then spaces calls at 1/qps, and refills with time', () => {
    const clock = new FakeClock();
    const limiter = new TokenBucketRateLimiter({ qps: 10, burst: 100, clock });
    const delays = Array.from({ length: 103 }, () => limiter.when());
    expect(delays.slice(0, 100).every((d) => d === 0)).toBe(true);
    expect(delays.slice(100).map((d) => Math.round(d))).toEqual([100, 200, 300]);
    // Pays off the 3-token debt and refills 5 more.
    clock.advance(800);
    expect(Array.from({ length: 6 }, () => Math.round(limiter.when()))).toEqual([0, 0, 0, 0, 0, 100]);
  });

  it('never refills beyond the burst', () => {
    const clock = new FakeClock();
    const limiter = new TokenBucketRateLimiter({ qps: 1, burst: 2, clock });
    clock.advance(3_600_000);
    expect([limiter.when(), limiter.when(), limiter.when()]).toEqual([0, 0, 1000]);
  });
});

describe('defaultControllerRateLimiter', () => {
  it('is the per-key backoff while the bucket has tokens, the bucket once it runs dry', () => {
    const clock = new FakeClock();
    const limiter = defaultControllerRateLimiter({ clock, jitter: 0 });
    expect([limiter.when('a'), limiter.when('a'), limiter.when('a')]).toEqual([5, 10, 20]);
    for (let i = 0; i < 97; i++) limiter.when(`k${i}`);
    // Bucket empty: a fresh key waits for the bucket, not 5 ms.
    expect(Math.round(limiter.when('fresh'))).toBe(100);
    expect(limiter.numRequeues('a')).toBe(3);
    limiter.forget('a');
    expect(limiter.numRequeues('a')).toBe(0);
  });

  it('MaxOf needs at least one limiter', () => {
    expect(() => new MaxOfRateLimiter()).toThrow(RangeError);
  });
});
