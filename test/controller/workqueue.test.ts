import fc from 'fast-check';
import { defaultControllerRateLimiter } from '../../src/controller/backoff.js';
import { FakeClock } from '../../src/controller/clock.js';
import { yieldTurn } from '../../src/controller/event-loop-turn.js';
import { TerminalError } from '../../src/controller/errors.js';
import { WorkQueue, type HandlerResult, type WorkQueueOptions } from '../../src/controller/workqueue.js';

// Lets every promise continuation that is ready run (setImmediate comes after all microtasks).
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function newQueue(options: WorkQueueOptions = {}) {
  const clock = new FakeClock();
  // flush, not yieldTurn: its budget is real time, and a GC pause over it on a loaded machine moved a
  // key past the next fake-clock step (a clean-clone CI run saw [0, 15] for [0, 5, 15]).
  const queue = new WorkQueue({
    clock,
    rateLimiter: defaultControllerRateLimiter({ clock, jitter: 0 }),
    yieldBetweenKeys: flush,
    ...options,
  });
  return { clock, queue };
}

/** Records when (fake ms since start) each key was handled. */
type Respond = (key: string, call: number) => HandlerResult | void | Promise<HandlerResult | void>;

function recorder(clock: FakeClock, respond: Respond) {
  const start = clock.now();
  const calls: [string, number][] = [];
  const handler = (key: string) => {
    calls.push([key, clock.now() - start]);
    return respond(key, calls.length);
  };
  return { calls, handler };
}

describe('WorkQueue basics', () => {
  it('keeps one entry per key while queued, in FIFO order', async () => {
    const { queue } = newQueue();
    for (const key of ['a', 'b', 'a', 'c', 'b']) queue.add(key);
    expect(queue.depth).toBe(3);
    expect([await queue.get(), await queue.get(), await queue.get()]).toEqual(['a', 'b', 'c']);
    expect(queue.depth).toBe(0);
  });

  it('hands out low-priority keys after every normal one; a normal add moves a low key ahead, a low add never demotes', async () => {
    const { queue } = newQueue();
    for (const key of ['l1', 'l2', 'l3']) queue.add(key, { low: true }); // a new leader's initial list
    queue.add('n1');
    queue.add('l2'); // a change to an object the initial list queued: acted on before the rest
    queue.add('n1', { low: true }); // a resync of a key already queued for a change keeps its place
    queue.add('l1', { low: true });
    expect(queue.depth).toBe(4);
    const order = [];
    for (let i = 0; i < 4; i++) order.push(await queue.get());
    expect(order).toEqual(['n1', 'l2', 'l1', 'l3']);
    expect(queue.depth).toBe(0);
  });

  it('addFirst puts a key ahead of the queue (moving it if queued), and marks a key in flight dirty', async () => {
    const { queue } = newQueue();
    for (const key of ['a', 'b', 'c']) queue.add(key);
    queue.addFirst('d');
    queue.addFirst('c');
    expect(queue.depth).toBe(4);
    expect([await queue.get(), await queue.get()]).toEqual(['c', 'd']);
    queue.addFirst('c'); // in flight: again after done(), as add() does
    expect(queue.depth).toBe(3);
    expect([await queue.get(), await queue.get()]).toEqual(['a', 'b']);
    queue.done('c');
    expect(await queue.get()).toBe('c');
  });

  it('queues a key added while it is processing again only when done() is called', async () => {
    const { queue } = newQueue();
    queue.add('a');
    expect(await queue.get()).toBe('a');
    queue.add('a');
    queue.add('a');
    expect(queue.depth).toBe(1);
    let next: string | undefined;
    void queue.get().then((key) => (next = key));
    await flush();
    expect(next).toBeUndefined();
    queue.done('a');
    await flush();
    expect(next).toBe('a');
  });

  it('addAfter keeps the earliest ready time', async () => {
    const { clock, queue } = newQueue();
    queue.addAfter('a', 100);
    queue.addAfter('a', 50);
    queue.addAfter('b', 50);
    queue.addAfter('b', 100);
    clock.advance(49);
    expect(queue.depth).toBe(0);
    clock.advance(1);
    expect(queue.depth).toBe(2);
    await queue.get();
    await queue.get();
    clock.advance(100);
    // The later requests were dropped, not kept as second timers.
    expect(queue.depth).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('addAfter waits longer than one Node timer can (2^31-1 ms) in timer-sized steps', () => {
    const { clock, queue } = newQueue();
    const asked: number[] = [];
    const set = clock.setTimeout.bind(clock);
    clock.setTimeout = (fn, ms) => {
      asked.push(ms);
      return set(fn, ms);
    };
    const thirtyDays = 30 * 24 * 3_600_000;
    queue.addAfter('a', thirtyDays);
    clock.advance(thirtyDays - 1);
    expect(queue.depth).toBe(0);
    clock.advance(1);
    expect(queue.depth).toBe(1);
    expect(asked.length).toBe(2);
    expect(Math.max(...asked)).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('addAfter with no delay adds at once', () => {
    const { queue } = newQueue();
    queue.addAfter('a', 0);
    expect(queue.depth).toBe(1);
  });

  it('addRateLimited backs off per key, and forget() resets it', () => {
    const { clock, queue } = newQueue();
    queue.addRateLimited('a');
    queue.addRateLimited('a');
    queue.addRateLimited('a');
    expect(queue.numRequeues('a')).toBe(3);
    // All three wait; the earliest (5 ms) wins.
    clock.advance(4);
    expect(queue.depth).toBe(0);
    clock.advance(1);
    expect(queue.depth).toBe(1);
    queue.forget('a');
    expect(queue.numRequeues('a')).toBe(0);
  });

  it('maxRetryDelayMs caps the per-key backoff of the default rate limiter', async () => {
    const clock = new FakeClock();
    const capped = new WorkQueue({ clock, maxRetryDelayMs: 60_000 });
    const uncapped = new WorkQueue({ clock });
    // 29 failures in a row (each waited out and handled), as a reconcile that keeps failing has.
    for (let i = 0; i < 29; i++) {
      for (const q of [capped, uncapped]) q.addRateLimited('a');
      clock.advance(2_000_000);
      for (const q of [capped, uncapped]) q.done((await q.get())!);
    }
    // The 30th: 5 ms × 2^29 is far beyond both caps; client-go's is 1000 s.
    for (const q of [capped, uncapped]) q.addRateLimited('a');
    clock.advance(60_000);
    expect(capped.depth).toBe(1);
    expect(uncapped.depth).toBe(0);
    clock.advance(940_000);
    expect(uncapped.depth).toBe(1);
  });

  it('applies the overall rate limit across keys', () => {
    const { clock, queue } = newQueue();
    for (let i = 0; i < 102; i++) queue.addRateLimited(`k${i}`);
    clock.advance(5);
    expect(queue.depth).toBe(100);
    clock.advance(95);
    expect(queue.depth).toBe(101);
    clock.advance(100);
    expect(queue.depth).toBe(102);
  });
});

describe('WorkQueue.run', () => {
  it('retries a failing key with exponential backoff and reports the error', async () => {
    const errors: [string, string, boolean][] = [];
    const { clock, queue } = newQueue({ onError: (key, error, retried) => errors.push([key, String(error), retried]) });
    const { calls, handler } = recorder(clock, () => {
      throw new Error('registry unreachable');
    });
    void queue.run(1, handler);
    queue.add('a');
    // Advance exactly by each expected backoff: the retry must fall due right then.
    for (const backoff of [5, 10, 20, 40]) {
      await flush();
      clock.advance(backoff);
    }
    await flush();
    expect(calls.map(([, at]) => at)).toEqual([0, 5, 15, 35, 75]);
    expect(errors[0]).toEqual(['a', 'Error: registry unreachable', true]);
    await queue.shutdown(0);
  });

  it('does not retry a TerminalError and forgets the key', async () => {
    const errors: boolean[] = [];
    const { clock, queue } = newQueue({ onError: (_key, _error, retried) => errors.push(retried) });
    const { calls, handler } = recorder(clock, () => {
      throw new TerminalError('invalid spec');
    });
    void queue.run(1, handler);
    queue.addRateLimited('a');
    clock.advance(5);
    await flush();
    clock.advance(3_600_000);
    await flush();
    expect(calls).toHaveLength(1);
    expect(errors).toEqual([false]);
    expect(queue.numRequeues('a')).toBe(0);
    await queue.shutdown(0);
  });

  it('honours requeueAfter and forgets past failures', async () => {
    const { clock, queue } = newQueue();
    const { calls, handler } = recorder(clock, (_key, call) => {
      if (call === 1) throw new Error('transient');
      return { requeueAfter: 30_000 };
    });
    void queue.run(2, handler);
    queue.add('a');
    await flush();
    clock.advance(5);
    await flush();
    expect(queue.numRequeues('a')).toBe(0);
    clock.advance(29_999);
    await flush();
    expect(calls).toHaveLength(2);
    clock.advance(1);
    await flush();
    expect(calls.map(([, at]) => at)).toEqual([0, 5, 30_005]);
    await queue.shutdown(0);
  });

  it('requeue: true goes through the rate limiter without counting as an error', async () => {
    let errors = 0;
    const { clock, queue } = newQueue({ onError: () => errors++ });
    const { calls, handler } = recorder(clock, (_key, call) => (call < 3 ? { requeue: true } : undefined));
    void queue.run(1, handler);
    queue.add('a');
    for (const backoff of [5, 10]) {
      await flush();
      clock.advance(backoff);
    }
    await flush();
    expect(calls.map(([, at]) => at)).toEqual([0, 5, 15]);
    expect(errors).toBe(0);
    expect(queue.numRequeues('a')).toBe(0);
    await queue.shutdown(0);
  });

  it('runs at most `workers` handlers at once', async () => {
    const { queue } = newQueue();
    const gates: Deferred<void>[] = [];
    let active = 0;
    let peak = 0;
    void queue.run(3, async () => {
      peak = Math.max(peak, ++active);
      const gate = deferred();
      gates.push(gate);
      await gate.promise;
      active--;
    });
    for (let i = 0; i < 10; i++) queue.add(`k${i}`);
    while (gates.length < 10) {
      await flush();
      for (const gate of gates) gate.resolve();
    }
    expect(peak).toBe(3);
    await queue.shutdown(0);
  });

  it('lets timers run between keys whose handlers do no I/O (a resync of unchanged objects)', async () => {
    const { queue } = newQueue({ yieldBetweenKeys: yieldTurn });
    let handled = 0;
    void queue.run(4, () => {
      handled++; // resolves at once, as a reconcile with nothing to write does
    });
    for (let i = 0; i < 5_000; i++) queue.add(`k${i}`);
    // A real timer, as lease renewal and probes use: it must not wait for the whole queue.
    const handledWhenTimerRan = await new Promise<number>((resolve) => setTimeout(() => resolve(handled), 0));
    expect(handledWhenTimerRan).toBeLessThan(5_000);
    while (handled < 5_000) await flush();
    await queue.shutdown(0);
  });

  it('lets a timer in once a turn has spent its budget, not after every worker has run a key', async () => {
    const { queue } = newQueue({ yieldBetweenKeys: yieldTurn });
    const workers = 16;
    let handled = 0;
    let timerFired!: Promise<number>;
    void queue.run(workers, () => {
      // 5 ms of synchronous work per key, as a resolution with nothing to download does.
      const until = performance.now() + 5;
      while (performance.now() < until);
      handled++;
      // Set while the workers are yielding between keys: before the budget, 16 continuations queued
      // for one check phase all ran before it (the phase holding this key ran up to 15 more).
      if (handled === 2 * workers + 1) timerFired = new Promise((resolve) => setTimeout(() => resolve(handled), 0));
    });
    for (let i = 0; i < 6 * workers; i++) queue.add(`k${i}`);
    while (handled < 6 * workers) await flush();
    // The budget (10 ms) lets two or three more 5 ms keys into the turn; a slower machine, fewer.
    expect((await timerFired) - (2 * workers + 1)).toBeLessThanOrEqual(3);
    await queue.shutdown(0);
  });

  it('never hands one key to two workers, and every add is eventually processed after it', async () => {
    type Step =
      | { kind: 'add'; key: string }
      | { kind: 'finish'; index: number; how: 'ok' | 'error' | 'terminal' | 'requeueAfter' }
      | { kind: 'advance'; ms: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), key: fc.constantFrom('a', 'b', 'c', 'd') }),
      fc.record({
        kind: fc.constant('finish' as const),
        index: fc.nat(),
        how: fc.constantFrom('ok' as const, 'error' as const, 'terminal' as const, 'requeueAfter' as const),
      }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 50 }) }),
    );

    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.array(step, { maxLength: 60 }), async (workers, steps) => {
        const { clock, queue } = newQueue();
        const inFlight = new Set<string>();
        const pending: { key: string; gate: Deferred<HandlerResult | void> }[] = [];
        // Keys added since their last start: each must start (again) before we are done.
        const owed = new Set<string>();
        let overlap = false;

        void queue.run(workers, async (key) => {
          if (inFlight.has(key)) overlap = true;
          inFlight.add(key);
          owed.delete(key);
          const gate = deferred<HandlerResult | void>();
          pending.push({ key, gate });
          try {
            return await gate.promise;
          } finally {
            inFlight.delete(key);
          }
        });
        const finish = (index: number, how: Extract<Step, { kind: 'finish' }>['how']) => {
          const [job] = pending.splice(index, 1);
          if (!job) return;
          if (how === 'ok') job.gate.resolve();
          else if (how === 'requeueAfter') job.gate.resolve({ requeueAfter: 20 });
          else job.gate.reject(how === 'terminal' ? new TerminalError('no') : new Error('again'));
        };

        for (const s of steps) {
          if (s.kind === 'add') {
            owed.add(s.key);
            queue.add(s.key);
          } else if (s.kind === 'finish' && pending.length > 0) {
            finish(s.index % pending.length, s.how);
          } else if (s.kind === 'advance') {
            clock.advance(s.ms);
          }
          await flush();
        }
        // Drain: let everything succeed and let every backoff expire.
        for (let round = 0; round < 50 && (pending.length > 0 || owed.size > 0); round++) {
          while (pending.length > 0) finish(0, 'ok');
          await flush();
          clock.advance(1_000_000);
          await flush();
        }
        await queue.shutdown(0);
        return !overlap && owed.size === 0;
      }),
      { numRuns: 200 },
    );
  });
});

describe('WorkQueue.shutdown', () => {
  it('stops handing out work and resolves true once in-flight handlers finish', async () => {
    const { clock, queue } = newQueue();
    const gate = deferred();
    const { calls, handler } = recorder(clock, () => gate.promise);
    const running = queue.run(2, handler);
    queue.add('a');
    await flush();
    let drained: boolean | undefined;
    void queue.shutdown(10_000).then((result) => (drained = result));
    queue.add('b');
    queue.addAfter('c', 1);
    await flush();
    expect(drained).toBeUndefined();
    gate.resolve();
    await running;
    expect(drained).toBe(true);
    clock.advance(10_000);
    expect(calls.map(([key]) => key)).toEqual(['a']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('drops queued and dirty keys instead of starting them', async () => {
    const { queue } = newQueue();
    const gate = deferred();
    const handled: string[] = [];
    const running = queue.run(1, (key) => {
      handled.push(key);
      return gate.promise;
    });
    queue.add('a');
    await flush();
    queue.add('a');
    queue.add('b');
    const shutdown = queue.shutdown(1000);
    gate.resolve();
    expect(await shutdown).toBe(true);
    await running;
    expect(handled).toEqual(['a']);
    expect(queue.depth).toBe(0);
  });

  it('gives up after the grace period and aborts the handlers’ signal', async () => {
    const { clock, queue } = newQueue();
    let signal: AbortSignal | undefined;
    void queue.run(1, (_key, s) => {
      signal = s;
      return new Promise<void>(() => {});
    });
    queue.add('stuck');
    await flush();
    const shutdown = queue.shutdown(5000);
    clock.advance(4999);
    expect(signal?.aborted).toBe(false);
    clock.advance(1);
    expect(await shutdown).toBe(false);
    expect(signal?.aborted).toBe(true);
  });

  it('is idempotent and resolves at once when idle', async () => {
    const { queue } = newQueue();
    const first = queue.shutdown(1000);
    expect(queue.shutdown(5)).toBe(first);
    expect(await first).toBe(true);
    expect(await queue.get()).toBeUndefined();
  });
});
