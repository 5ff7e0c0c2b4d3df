// How late the event loop runs a timer while some work runs: the benchmarks' measure of a stall.

/**
 * The largest lateness of an `everyMs` interval timer while `work` runs. The timer runs `settleMs` first
 * (not counted: the process settling) and 20 ms after `work`, so its first run after blocking work counts.
 */
export async function worstTimerDelay(work: () => unknown, everyMs: number, settleMs = 20): Promise<number> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - everyMs);
    last = now;
  }, everyMs);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  worst = 0;
  await work();
  await new Promise((resolve) => setTimeout(resolve, 20));
  clearInterval(timer);
  return worst;
}
