import type { ClusterProfileStatus, ResolvedPack } from '../api/clusterprofile.js';
import { CLUSTERPROFILE_REASONS, RESOLVED } from '../api/clusterprofile-reasons.js';
import { stalls, type RECONCILIATION_FAILED } from '../api/reasons.js';
import { plural } from '../api/plural.js';
import { rfc3339 } from '../api/time.js';
import { readyConditions, setCondition } from '../controller/conditions.js';
import type { ResolveResult } from '../resolve/resolve-profile.js';

/** A resolution, or an error no step expected (e.g. reading a valuesFrom object failed). */
export type ResolutionOutcome = ResolveResult | { ok: false; reason: typeof RECONCILIATION_FAILED; message: string };

export interface ProfileStatusInput {
  previous: ClusterProfileStatus | undefined;
  generation: number;
  result: ResolutionOutcome;
  now: Date;
  updateRequest?: string;
}

/**
 * The profile's whole status after a resolution. A failure keeps the last good lock (resolved,
 * revision, updatesAvailable) and says why in Ready and Resolved.
 */
export function profileStatus({
  previous = {},
  generation,
  result,
  now,
  updateRequest,
}: ProfileStatusInput): ClusterProfileStatus {
  const status: ClusterProfileStatus = { ...previous, observedGeneration: generation };
  if (updateRequest !== undefined) status.lastHandledUpdateRequest = updateRequest;
  if (result.ok) {
    const lockChanged = result.revision !== previous.revision;
    Object.assign(status, {
      resolved: result.resolved,
      revision: result.revision,
      updatesAvailable: result.updatesAvailable.length > 0 ? result.updatesAvailable : undefined,
      minimumResources: result.minimumResources,
      lastResolvedTime: lockChanged ? rfc3339(now) : previous.lastResolvedTime,
    });
    const n = result.resolved.length;
    const updates = result.updatesAvailable.length;
    const message = `resolved ${plural(n, 'pack')}${updates ? `; ${plural(updates, 'update')} available` : ''}`;
    status.conditions = setCondition(
      readyConditions({ generation, phase: 'Ready', reason: RESOLVED, message, now, previous: previous.conditions }),
      { type: RESOLVED, status: 'True', reason: RESOLVED, message },
      generation,
      now,
    );
  } else {
    const phase = stalls(CLUSTERPROFILE_REASONS, result.reason) ? 'Stalled' : 'Failed';
    status.conditions = setCondition(
      readyConditions({
        generation,
        phase,
        reason: result.reason,
        message: result.message,
        now,
        previous: previous.conditions,
      }),
      { type: RESOLVED, status: 'False', reason: result.reason, message: result.message },
      generation,
      now,
    );
  }
  return status;
}

/** `name=version` of a lock entry; a manifest pack shows the start of its digest. */
export function lockText(r: ResolvedPack): string {
  return `${r.name}=${r.version ?? r.digest?.slice(0, 'sha256:'.length + 12) ?? '?'}`;
}
