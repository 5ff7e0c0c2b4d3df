import { isNotFound } from './kube-client.js';

export interface SummaryHooks {
  /** Records an error no step expected, so summarize can show it in status. */
  unexpected(err: unknown): void;
  /** Writes status (and events) from what the steps found. */
  summarize(): Promise<void>;
  log: { warn(fields: object, message: string): void };
  /** Log fields naming the object. */
  object: Record<string, string>;
}

/**
 * Runs a reconcile's steps, then summarize on every exit, as Flux's deferred summarize-and-patch
 * does: an error no step expected reaches status too, and is rethrown for the work queue's backoff.
 * An object deleted meanwhile has no status to write, which is no failure.
 * When summarize fails after such an error, the original error is the one reported; its own is logged.
 */
export async function withSummary<R>(steps: () => Promise<R>, hooks: SummaryHooks): Promise<R> {
  let failed = false;
  try {
    return await steps();
  } catch (err) {
    failed = true;
    hooks.unexpected(err);
    throw err;
  } finally {
    await hooks.summarize().catch((err: unknown) => {
      // Deleted while it was reconciled: there is no status left to write (controller-runtime's IgnoreNotFound).
      if (isNotFound(err)) return;
      if (!failed) throw err;
      hooks.log.warn({ ...hooks.object, err: (err as Error).message }, 'could not write status');
    });
  }
}
