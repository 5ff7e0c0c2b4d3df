import { CLUSTERPROFILE_REASONS, RESOLVED, type ClusterProfileReason } from '../api/clusterprofile-reasons.js';
import { RECONCILIATION_FAILED } from '../api/reasons.js';
import { truncate } from './explain.js';

/** Why a profile does not resolve: every failure reason of the profile table but an unexpected error. */
export type ResolveReason = Exclude<ClusterProfileReason, typeof RESOLVED | typeof RECONCILIATION_FAILED>;

/** The resolver's reasons, most fundamental first: the reported reason is the first one present. */
export const RESOLVE_REASONS: readonly ResolveReason[] = CLUSTERPROFILE_REASONS.map((r) => r.reason).filter(
  (r): r is ResolveReason => r !== RESOLVED && r !== RECONCILIATION_FAILED,
);

export interface ResolveProblem {
  reason: ResolveReason;
  /** The profile packs the problem is about, in profile order. */
  packs: string[];
  message: string;
}

/**
 * Collects problems as the packs are walked in profile order. Problems with a group key (one
 * registry, the default registry) are reported once, naming every pack they affect.
 */
export class ProblemSet {
  private readonly entries: { reason: ResolveReason; packs: string[]; render: (packs: string[]) => string }[] = [];
  private readonly groups = new Map<string, string[]>();

  add(reason: ResolveReason, pack: string, message: string): void {
    this.entries.push({ reason, packs: [pack], render: () => message });
  }

  addGrouped(reason: ResolveReason, key: string, pack: string, render: (packs: string[]) => string): void {
    const group = this.groups.get(`${reason}\0${key}`);
    if (group) {
      if (!group.includes(pack)) group.push(pack);
      return;
    }
    const packs = [pack];
    this.groups.set(`${reason}\0${key}`, packs);
    this.entries.push({ reason, packs, render });
  }

  get size(): number {
    return this.entries.length;
  }

  /** By reason priority, then in the order found (profile order): the same input, the same text. */
  list(): ResolveProblem[] {
    const rank = (r: ResolveReason) => RESOLVE_REASONS.indexOf(r);
    return this.entries
      .map((e, i) => ({ e, i }))
      .sort((a, b) => rank(a.e.reason) - rank(b.e.reason) || a.i - b.i)
      .map(({ e }) => ({ reason: e.reason, packs: [...e.packs], message: e.render(e.packs) }));
  }
}

/** The condition message: every problem, most fundamental first. */
export function summarize(problems: readonly ResolveProblem[]): string {
  return truncate(problems.map((p) => p.message).join('; '));
}
