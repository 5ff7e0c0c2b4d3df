import type { PackRegistryStatus } from '../api/packregistry.js';
import { PACKREGISTRY_REASONS, SYNCED, type PackRegistryReason } from '../api/packregistry-reasons.js';
import { plural } from '../api/plural.js';
import { RECONCILIATION_FAILED, stalls } from '../api/reasons.js';
import { rfc3339 } from '../api/time.js';
import type { VerificationCounts } from '../api/verification.js';
import { readyConditions, unexpectedFailureMessage } from '../controller/conditions.js';

/** The outcome status shows for an error no step expected (e.g. the apiserver refusing a Pack). */
export function unexpectedFailure(err: unknown): SyncOutcome {
  return { kind: 'failed', reason: RECONCILIATION_FAILED, message: unexpectedFailureMessage(err) };
}

export type SyncOutcome =
  | {
      kind: 'synced';
      revision: string;
      etag?: string;
      lastModified?: string;
      packCount: number;
      versionCount: number;
      skippedVersions: number;
      changed: boolean;
      /** Set when the registry verifies signatures (spec.verify). */
      verification?: VerificationCounts;
    }
  | { kind: 'unchanged' }
  | { kind: 'failed'; reason: Exclude<PackRegistryReason, typeof SYNCED>; message: string }
  | { kind: 'suspended' };

export interface RegistryStatusInput {
  previous: PackRegistryStatus | undefined;
  generation: number;
  outcome: SyncOutcome;
  url: string;
  now: Date;
  nextSyncAt?: Date;
  syncRequest?: string;
}

/**
 * The registry's whole status after a sync attempt. A failure keeps everything the last good sync
 * wrote (revision, counts, lastSyncTime): only the conditions say what went wrong.
 */
export function registryStatus(input: RegistryStatusInput): PackRegistryStatus {
  const { previous = {}, generation, outcome, now } = input;
  const status: PackRegistryStatus = { ...previous, observedGeneration: generation };
  if (input.syncRequest !== undefined) status.lastHandledSyncRequest = input.syncRequest;
  if (outcome.kind === 'suspended') return status;

  status.lastAttemptTime = rfc3339(now);
  status.nextSyncTime = input.nextSyncAt ? rfc3339(input.nextSyncAt) : undefined;
  const ready = (reason: string, message: string) =>
    readyConditions({ generation, phase: 'Ready', reason, message, now, previous: previous.conditions });

  switch (outcome.kind) {
    case 'synced':
      Object.assign(status, {
        revision: outcome.revision,
        etag: outcome.etag,
        packCount: outcome.packCount,
        versionCount: outcome.versionCount,
        verification: outcome.verification,
        skippedVersions: outcome.skippedVersions,
        lastSyncTime: rfc3339(now),
      });
      status.conditions = ready(
        SYNCED,
        syncedMessage(outcome.packCount, outcome.versionCount, outcome.skippedVersions, input.url) +
          verifiedNote(outcome.verification),
      );
      break;
    case 'unchanged':
      status.lastSyncTime = rfc3339(now);
      // Keep the message of the sync that built the catalogue; only Ready's truth matters here.
      status.conditions = ready(SYNCED, readyMessage(previous) ?? `catalogue unchanged at ${input.url}`);
      break;
    case 'failed':
      status.conditions = readyConditions({
        generation,
        phase: stalls(PACKREGISTRY_REASONS, outcome.reason) ? 'Stalled' : 'Failed',
        reason: outcome.reason,
        message: outcome.message,
        now,
        previous: previous.conditions,
      });
      break;
  }
  return status;
}

function syncedMessage(packs: number, versions: number, skipped: number, url: string): string {
  // Counts versions that are not SemVer, duplicates, and (OCI) tags that are neither chart nor pack.
  const skippedNote =
    skipped > 0
      ? `; skipped ${plural(skipped, 'unusable version')} (not SemVer, duplicated, or not a chart or pack)`
      : '';
  return `synced ${plural(packs, 'pack')} (${plural(versions, 'version')}) from ${url}${skippedNote}`;
}

function verifiedNote(counts: VerificationCounts | undefined): string {
  return counts
    ? `; signatures: ${counts.verified} verified, ${counts.unsigned} unsigned, ${counts.failed} failed`
    : '';
}

function readyMessage(status: PackRegistryStatus): string | undefined {
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'True' ? ready.message : undefined;
}
