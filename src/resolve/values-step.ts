import type { ClusterProfileSpec, ResolvedPack } from '../api/clusterprofile.js';
import type { PackFiles } from '../sources/content/pack-files.js';
import { packValues } from './effective-values.js';
import { lockRevision } from './lock.js';
import { ProblemSet, summarize } from './problems.js';
import type { ResolveResult } from './resolve-profile.js';
import type { Values } from './values-tree.js';
import type { ValuesSourceLookup } from './values.js';

/** The files of each resolved pack's version, by pack name; an Error when they could not be read. */
export type ResolvedContents = ReadonlyMap<string, PackFiles | Error>;

export interface ValuesStepInput {
  spec: ClusterProfileSpec;
  namespace: string;
  valuesSources: ValuesSourceLookup;
  contents: ResolvedContents;
}

/**
 * The second half of resolution, once the versions are chosen and their files read: each pack's
 * effective values, validated, and their digest in the lock (so the revision moves when values do).
 * A failure fails the whole resolution, as any other problem does, and the last good lock stays.
 */
export function withEffectiveValues(result: ResolveResult, input: ValuesStepInput): ResolveResult {
  if (!result.ok) return result;
  const problems = new ProblemSet();
  const values = new Map<string, Values>();
  const resolved: ResolvedPack[] = result.resolved.map((entry) => {
    const pack = input.spec.packs.find((p) => p.name === entry.name);
    if (!pack || pack.manifests) return entry;
    const content = input.contents.get(entry.name);
    const label = `${entry.chart} ${entry.version}`;
    if (content instanceof Error) {
      problems.add('PackContentUnavailable', entry.name, `pack ${entry.name} (${label}): ${content.message}`);
      return entry;
    }
    const outcome = packValues({ pack, namespace: input.namespace, lookup: input.valuesSources, content, label });
    if (!outcome.ok) {
      for (const p of outcome.problems) problems.add('InvalidValues', entry.name, p);
      return entry;
    }
    values.set(entry.name, outcome.values);
    return { ...entry, valuesDigest: outcome.digest };
  });
  if (problems.size > 0) {
    const list = problems.list();
    return { ok: false, reason: list[0]!.reason, message: summarize(list), problems: list };
  }
  return { ...result, resolved, revision: lockRevision(resolved), values };
}
