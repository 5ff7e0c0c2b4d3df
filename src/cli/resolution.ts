import { resolveProfile, type ResolveResult } from '../resolve/resolve-profile.js';
import type { ResolveProblem } from '../resolve/problems.js';
import type { ValuesSourceLookup } from '../resolve/values.js';
import type { Catalogue } from './catalogue.js';
import type { Diagnostic } from './diagnostics.js';
import type { CliProfile } from './inputs.js';
import type { ProfileLock } from './lock-file.js';

export interface ProfileOutcome {
  profile: CliProfile;
  result: ResolveResult;
}

/**
 * Resolves each profile with the operator's resolver, with the inputs its reconciler would give it:
 * the registries' catalogues, their readiness, valuesFrom. As for a profile just applied, the newest
 * matches are chosen; except that a Manual profile keeps the versions of its lock (the lock file's
 * entry, else the file's own status.resolved) while they still match, unless `update` is set —
 * exactly what the operator does for an unchanged Manual profile.
 */
export function resolveProfiles(
  profiles: readonly CliProfile[],
  catalogue: Catalogue,
  valuesSources: ValuesSourceLookup,
  locks: ReadonlyMap<string, ProfileLock>,
  update: boolean,
): ProfileOutcome[] {
  return profiles.map((profile) => {
    const lock = locks.get(profile.id)?.resolved ?? profile.status?.resolved;
    return {
      profile,
      result: resolveProfile({
        profile: { spec: profile.spec, namespace: profile.namespace },
        packs: catalogue.packs,
        registries: catalogue.states,
        valuesSources,
        ...(lock && { lock }),
        updateRequested: update,
      }),
    };
  });
}

/** The lock of a resolved profile, as the operator writes it into status. */
export function lockOf(outcome: ProfileOutcome): ProfileLock | undefined {
  const { result, profile } = outcome;
  return result.ok ? { profile: profile.id, revision: result.revision, resolved: result.resolved } : undefined;
}

/** A resolution problem at the line of the first pack it is about. */
export function problemDiagnostic(profile: CliProfile, problem: ResolveProblem): Diagnostic {
  const index = profile.spec.packs.findIndex((p) => problem.packs.includes(p.name));
  const src = profile.source;
  return {
    file: src.file,
    line: index >= 0 ? src.lineOf(['spec', 'packs', index]) : src.line,
    kind: src.kind,
    name: profile.name,
    namespace: profile.namespace,
    reason: problem.reason,
    message: problem.message,
    check: 'resolver',
  };
}
