import type { PackVersion } from '../api/pack.js';
import type { VerificationPolicy } from '../api/verification.js';
import { formatList } from './explain.js';
import { matches, sortNewestFirst, type VersionExpression } from './version-expression.js';

/** What a profile demands when it says nothing: see verificationPolicy's description for why. */
export const DEFAULT_VERIFICATION: VerificationPolicy = 'IfPresent';

/** Versions named in a VerificationFailed message; the rest are counted. */
const LISTED = 5;

/**
 * The versions the policy lets the lock take: the list itself when it refuses none, and otherwise the
 * same new list every time it is asked of the same list (newestMatch remembers its answers by list).
 */
export function admitted(policy: VerificationPolicy, versions: readonly PackVersion[]): readonly PackVersion[] {
  let byPolicy = admittedLists.get(versions);
  if (byPolicy === undefined) admittedLists.set(versions, (byPolicy = new Map()));
  let list = byPolicy.get(policy);
  if (list === undefined) {
    list = versions.every((v) => admits(policy, v)) ? versions : versions.filter((v) => admits(policy, v));
    byPolicy.set(policy, list);
  }
  return list;
}
const admittedLists = new WeakMap<readonly PackVersion[], Map<VerificationPolicy, readonly PackVersion[]>>();

/** Whether the policy lets the lock take this version. */
export function admits(policy: VerificationPolicy, v: PackVersion): boolean {
  if (policy === 'Off') return true;
  const state = v.verification?.state;
  return policy === 'Required' ? state === 'Verified' : state !== 'Failed';
}

/** Why no version matching `expr` may be locked: each newest match with its state and reason. */
export function refusedMessage(
  label: string,
  expr: VersionExpression,
  versions: readonly PackVersion[],
  policy: VerificationPolicy,
  registry: string,
): string {
  const matching = sortNewestFirst(versions).filter((v) => matches(expr, v.version));
  const listed = matching.slice(0, LISTED).map((v) => `${v.version} ${describe(v)}`);
  const more = matching.length > LISTED ? ` and ${matching.length - LISTED} more` : '';
  const unverifying = versions.every((v) => !v.verification)
    ? `; registry ${registry} does not verify signatures (spec.verify unset)`
    : '';
  const want = policy === 'Required' ? 'verified' : 'without a failed signature';
  return `${label} ${expr.text}: no matching version is ${want} (verification ${policy}): ${formatList(listed)}${more}${unverifying}`;
}

function describe(v: PackVersion): string {
  const check = v.verification;
  if (!check) return 'not checked';
  return check.reason ? `${check.state} (${check.reason})` : check.state;
}
