/** Opaque timer handle: callers only hand it back to the clock that made it. */
export type TimerHandle = { readonly __timerHandle: unique symbol };

/**
 * Time as the controller runtime sees it. Everything that waits or measures takes a Clock, so tests
 * drive time explicitly instead of sleeping (cert-manager's pattern).
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as TimerHandle,
  clearTimeout: (handle) => clearTimeout(handle as unknown as NodeJS.Timeout),
};

interface FakeTimer {
  readonly dueAt: number;
  // Creation order breaks ties, so timers due at the same instant fire in the order they were set.
  readonly seq: number;
  readonly fn: () => void;
}

/** A Clock that only moves when told to. Timers fire synchronously inside advance(). */
export class FakeClock implements Clock {
  private current: number;
  private nextSeq = 0;
  private readonly timers = new Map<number, FakeTimer>();

  constructor(startMs = Date.UTC(2025, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const seq = this.nextSeq++;
    this.timers.set(seq, { dueAt: this.current + Math.max(0, ms), seq, fn });
    return seq as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as unknown as number);
  }

  /** Timers not yet fired or cleared. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, in due order, with
   * now() equal to each timer's due time while it runs. Timers set by a callback fire too when
   * they fall due within the same advance.
   */
  advance(ms: number): void {
    const target = this.current + Math.max(0, ms);
    for (let timer = this.nextDue(target); timer; timer = this.nextDue(target)) {
      this.timers.delete(timer.seq);
      this.current = timer.dueAt;
      timer.fn();
    }
    this.current = target;
  }

  private nextDue(limit: number): FakeTimer | undefined {
    let earliest: FakeTimer | undefined;
    for (const timer of this.timers.values()) {
      if (timer.dueAt > limit) continue;
      if (!earliest || timer.dueAt < earliest.dueAt || (timer.dueAt === earliest.dueAt && timer.seq < earliest.seq)) {
        earliest = timer;
      }
    }
    return earliest;
  }
}
