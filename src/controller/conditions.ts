import { isDeepStrictEqual } from 'node:util';
import type { Condition } from '../api/common.js';
import { rfc3339 } from '../api/time.js';

export type { Condition };
export type ConditionStatus = Condition['status'];

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

export const READY = 'Ready';
export const RECONCILING = 'Reconciling';
export const STALLED = 'Stalled';

/** The Reconciling reason while retrying after an error, as Flux uses it. */
export const PROGRESSING_WITH_RETRY = 'ProgressingWithRetry';

/** Ready's message for an error no step expected. */
export function unexpectedFailureMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `reconcile failed: ${message.slice(0, 1024)}`;
}

// metav1.Condition's limit; a longer message would make the apiserver reject the whole status.
const MAX_MESSAGE_LENGTH = 32768;

// The kstatus trio first, then everything else alphabetically: a stable order means an unchanged
// status serialises identically, and `kubectl get -o yaml` reads the same every time.
const LEADING_TYPES = [READY, RECONCILING, STALLED];

function compareTypes(a: Condition, b: Condition): number {
  const rank = (type: string) => {
    const i = LEADING_TYPES.indexOf(type);
    return i === -1 ? LEADING_TYPES.length : i;
  };
  return rank(a.type) - rank(b.type) || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0);
}

function truncate(message: string): string {
  return message.length <= MAX_MESSAGE_LENGTH ? message : `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}

export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === 'True';
}

/**
 * Returns a new, sorted array with `input` set. lastTransitionTime moves only when the status does,
 * so a changing message (e.g. a retry count) does not look like a transition.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  observedGeneration: number,
  now: Date,
): Condition[] {
  const previous = getCondition(conditions, input.type);
  const next: Condition = {
    type: input.type,
    status: input.status,
    observedGeneration,
    lastTransitionTime: previous && previous.status === input.status ? previous.lastTransitionTime : rfc3339(now),
    reason: input.reason,
    message: truncate(input.message),
  };
  return [...(conditions ?? []).filter((c) => c.type !== input.type), next].sort(compareTypes);
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type).sort(compareTypes);
}

/**
 * Where a reconcile ended up:
 * - Ready: done, the object matches its spec;
 * - Reconciling: work in progress;
 * - Failed: an error that retrying may fix (network, rate limit) — it will be retried;
 * - Stalled: an error only a human can fix (bad credentials, invalid spec) — no point waiting.
 */
export type ReadyPhase = 'Ready' | 'Reconciling' | 'Failed' | 'Stalled';

export interface ReadyConditionsInput {
  generation: number;
  phase: ReadyPhase;
  reason: string;
  message: string;
  now: Date;
  previous: readonly Condition[] | undefined;
}

/**
 * The kstatus conditions for a phase. Reconciling and Stalled are abnormal-true: present only while
 * True, and never both, because kstatus reports whichever of the two it meets first. Ready is kept
 * alongside them for `kubectl wait --for=condition=Ready`, as Flux does. Other condition types in
 * `previous` are left untouched.
 */
export function readyConditions({
  generation,
  phase,
  reason,
  message,
  now,
  previous,
}: ReadyConditionsInput): Condition[] {
  const set = (conditions: readonly Condition[] | undefined, type: string, status: ConditionStatus, why = reason) =>
    setCondition(conditions, { type, status, reason: why, message }, generation, now);
  switch (phase) {
    case 'Ready':
      return removeCondition(removeCondition(set(previous, READY, 'True'), RECONCILING), STALLED);
    case 'Reconciling':
      return removeCondition(set(set(previous, READY, 'Unknown'), RECONCILING, 'True'), STALLED);
    case 'Failed':
      // Still making attempts, so kstatus should say InProgress, not Failed; Ready carries the cause.
      return removeCondition(set(set(previous, READY, 'False'), RECONCILING, 'True', PROGRESSING_WITH_RETRY), STALLED);
    case 'Stalled':
      return removeCondition(set(set(previous, READY, 'False'), STALLED, 'True'), RECONCILING);
  }
}

/**
 * Whether a computed status differs from the stored one, to skip no-op writes. Compares everything,
 * including timestamps; a property set to undefined counts as absent, as it is once serialised.
 */
export function statusChanged(before: unknown, after: unknown): boolean {
  return !isDeepStrictEqual(withoutUndefined(before), withoutUndefined(after));
}

function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, withoutUndefined(v)]),
    );
  }
  return value;
}
