import { performance } from 'node:perf_hooks';

/** Work the check phase of one event-loop turn may hold before the rest waits for the next turn: a tenth of the 100 ms p99 goal. */
export const TURN_BUDGET_MS = 10;

/** When the current check phase started running yielded work; unset between turns. */
let phaseStart: number | undefined;

/**
 * Lets the event loop run (timers, I/O) before the caller goes on, as `setImmediate` does, but
 * bounded per turn. Node runs every immediate queued before a check phase in that phase, so 16 workers
 * that each yield between keys still ran 16 reconciles back to back, and a timer waited for all of
 * them (the soak leader's event-loop delay p99 was 100-250 ms converging 2,000 profiles). Here a
 * continuation that finds the phase past its budget moves to the next turn, after timers and I/O.
 */
export function yieldTurn(budgetMs = TURN_BUDGET_MS): Promise<void> {
  return new Promise((resolve) => {
    const attempt = () => {
      const now = performance.now();
      if (phaseStart === undefined) {
        phaseStart = now;
        // Queued now, so it runs first in the next check phase, before the continuations moved there.
        setImmediate(() => (phaseStart = undefined));
      } else if (now - phaseStart >= budgetMs) {
        setImmediate(attempt);
        return;
      }
      resolve();
    };
    setImmediate(attempt);
  });
}

/**
 * Runs `imports` in order, each at the start of a turn of its own (yieldTurn before each). Node reads,
 * compiles and evaluates every module one `import()` reaches in one synchronous stretch: a lazily
 * imported subsystem (the values step, a registry type's source) taken at once held a new leader's
 * loop for its whole load, 0.2–0.8 s on the soak machine. Given its parts from the bottom up, each
 * stretch is one part's new modules.
 */
export async function importInTurns(imports: readonly (() => Promise<unknown>)[]): Promise<void> {
  for (const load of imports) {
    await yieldTurn();
    await load();
  }
}
