/**
 * A reason Ready can carry: named once, with its polarity, and documented where people look
 * (docs/troubleshooting.md is generated from these tables by `make crds`).
 */
export interface ReasonDoc {
  readonly reason: string;
  /**
   * undefined: a `Ready=True` reason. true: only a person can fix it (`Stalled=True`). false: retried
   * with backoff until it heals (`Reconciling=True`).
   */
  readonly stalls: boolean | undefined;
  /** How a reason that does not stall is retried, when not simply with backoff. */
  readonly retry?: string;
  /** What it means. */
  readonly doc: string;
  /** What to do about it. */
  readonly fix: string;
}

/** Ready's reason for an error no reconcile step expected, for every kind. */
export const RECONCILIATION_FAILED = 'ReconciliationFailed';

export const RECONCILIATION_FAILED_DOC = {
  reason: RECONCILIATION_FAILED,
  stalls: false,
  doc:
    'An error no reconcile step expected: the apiserver refusing a write (an admission policy, a quota), a ' +
    'server error reading an object, or a bug; the message quotes it. Retried with backoff; what the last good ' +
    'sync or resolution produced stays.',
  fix: "Read the message and the operator's logs; fix what refuses the write.",
} as const satisfies ReasonDoc;

/** Whether a failure reason of `table` needs a person; a reason the table lacks is retried. */
export function stalls(table: readonly ReasonDoc[], reason: string): boolean {
  return table.find((r) => r.reason === reason)?.stalls === true;
}
