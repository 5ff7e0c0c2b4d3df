import { FakeClock, realClock } from '../../src/controller/clock.js';

describe('FakeClock', () => {
  it('fires due timers in due order, with now() at each due time', () => {
    const clock = new FakeClock(1000);
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['b', clock.now()]), 20);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 10);
    clock.setTimeout(() => fired.push(['c', clock.now()]), 30);
    clock.advance(25);
    expect(fired).toEqual([
      ['a', 1010],
      ['b', 1020],
    ]);
    expect(clock.now()).toBe(1025);
    expect(clock.pendingTimers).toBe(1);
  });

  it('fires timers due at the same instant in the order they were set', () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    for (const n of [1, 2, 3]) clock.setTimeout(() => fired.push(n), 5);
    clock.advance(5);
    expect(fired).toEqual([1, 2, 3]);
  });

  it('fires timers set by a callback when they fall due within the same advance', () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => clock.setTimeout(() => fired.push(clock.now()), 10), 10);
    clock.advance(15);
    expect(fired).toEqual([]);
    clock.advance(5);
    expect(fired).toEqual([20]);
  });

  it('does not fire cleared timers', () => {
    const clock = new FakeClock();
    let fired = false;
    clock.clearTimeout(clock.setTimeout(() => (fired = true), 1));
    clock.advance(10);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('realClock', () => {
  it('runs and cancels real timers', async () => {
    let cancelledFired = false;
    realClock.clearTimeout(realClock.setTimeout(() => (cancelledFired = true), 0));
    const before = realClock.now();
    await new Promise<void>((resolve) => realClock.setTimeout(resolve, 5));
    expect(realClock.now()).toBeGreaterThanOrEqual(before);
    expect(cancelledFired).toBe(false);
  });
});
