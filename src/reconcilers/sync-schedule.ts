import { jitter } from '../controller/backoff.js';

/** The interval with ±10% jitter, so registries created together do not sync together forever. */
export function jitteredInterval(intervalMs: number, random: () => number): number {
  return Math.round(jitter(intervalMs, { below: 0.1, above: 0.1 }, random));
}

export interface SyncDecisionInput {
  now: number;
  generation: number;
  observedGeneration?: number;
  suspend: boolean;
  syncRequest?: string;
  lastHandledSyncRequest?: string;
  nextSyncTime?: string;
  /** A Secret the registry reads changed since its last sync attempt (e.g. a rotated password). */
  credentialsChanged?: boolean;
}

export type SyncDecision = { sync: true; why: string } | { sync: false; why: string; wakeInMs?: number };

/** Whether a registry should sync now, and if not, when to look again. */
export function decideSync(input: SyncDecisionInput): SyncDecision {
  if (input.suspend) return { sync: false, why: 'suspended' };
  if (input.observedGeneration !== input.generation) return { sync: true, why: 'spec changed' };
  // Not at the end of a backoff: new credentials are the likeliest cure of a failing registry.
  if (input.credentialsChanged) return { sync: true, why: 'credentials changed' };
  if (input.syncRequest !== undefined && input.syncRequest !== input.lastHandledSyncRequest) {
    return { sync: true, why: 'sync requested' };
  }
  const due = input.nextSyncTime ? Date.parse(input.nextSyncTime) : Number.NaN;
  if (Number.isNaN(due) || due <= input.now) return { sync: true, why: 'interval elapsed' };
  return { sync: false, why: 'not due', wakeInMs: due - input.now };
}
