import type { Condition } from '../api/common.js';
import type { EventSeverity } from './events.js';

export type ReconcileResult =
  | { ok: false; reason: string; message: string }
  /** `changed`: what the object offers changed (a new catalogue, a new lock), worth a Normal event. */
  | { ok: true; reason: string; message: string; changed: boolean };

export interface TransitionEvent {
  severity: EventSeverity;
  reason: string;
  note: string;
}

/**
 * The event a reconcile is worth, given Ready before it: one Warning when a failure starts or its
 * reason changes (a failure repeating on every retry would bury everything else), one Normal when
 * the result changed. Nothing otherwise.
 */
export function transitionEvent(before: Condition | undefined, result: ReconcileResult): TransitionEvent | undefined {
  if (!result.ok) {
    const sameFailure = before?.status === 'False' && before.reason === result.reason;
    return sameFailure ? undefined : { severity: 'Warning', reason: result.reason, note: result.message };
  }
  return result.changed ? { severity: 'Normal', reason: result.reason, note: result.message } : undefined;
}
