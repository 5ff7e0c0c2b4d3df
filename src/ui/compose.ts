import { API_VERSION } from '../api/common.js';
import { CLUSTERPROFILE_KIND, clusterProfile, type ClusterProfile } from '../api/clusterprofile.js';
import { toFieldPath } from '../api/validate.js';
import { formatYaml } from '../cli/output.js';
import type { ResolveProblem } from '../resolve/problems.js';
import { resolveProfile, type PackLookup, type ResolveResult } from '../resolve/resolve-profile.js';
import type { RegistryState } from '../resolve/registries.js';

/** What the composer sends: a profile being written, perhaps incomplete. */
export interface Draft {
  name?: string;
  namespace?: string;
  spec?: unknown;
}

/** Where each message belongs on the page: a pack row (by index) or the profile as a whole. */
export interface PlacedProblem {
  reason: string;
  message: string;
  /** Indexes into spec.packs; empty for problems of the whole profile. */
  packs: number[];
  /** For schema errors: the field, e.g. spec.packs[2].version. */
  field?: string;
}

export interface Composition {
  /** The object as it would be applied (CRD defaults not filled in), and the same as YAML. */
  object: ClusterProfile | Record<string, unknown>;
  yaml: string;
  /** Schema and admission-rule errors: the apiserver would refuse the object. */
  invalid: PlacedProblem[];
  /** The resolver's answer when the object is valid. */
  result?: ResolveResult;
  problems: PlacedProblem[];
}

/**
 * Validates a draft with the CRD's own schema and rules, then resolves it with the operator's
 * resolver against the catalogue the cluster holds: what the operator would write into status,
 * and what `packyard resolve` prints for the same file.
 */
export function compose(draft: Draft, packs: PackLookup, registries: readonly RegistryState[]): Composition {
  const namespace = draft.namespace || 'default';
  const object = {
    apiVersion: API_VERSION,
    kind: CLUSTERPROFILE_KIND,
    metadata: { name: draft.name ?? '', namespace },
    spec: draft.spec ?? {},
  };
  const yaml = formatYaml(object);
  const parsed = clusterProfile.safeParse(object);
  if (!parsed.success) {
    const invalid = parsed.error.issues.map((issue): PlacedProblem => {
      const field = toFieldPath(issue.path);
      const index =
        issue.path[0] === 'spec' && issue.path[1] === 'packs' && typeof issue.path[2] === 'number'
          ? [issue.path[2]]
          : [];
      return { reason: 'Invalid', message: issue.message, packs: index, field };
    });
    return { object, yaml, invalid, problems: [] };
  }
  const profile = parsed.data;
  const result = resolveProfile({
    profile: { spec: profile.spec, namespace },
    packs,
    registries,
    // The composer writes values inline; a valuesFrom reference is reported as missing.
    valuesSources: () => undefined,
    updateRequested: false,
  });
  const names = profile.spec.packs.map((p) => p.name);
  const place = (p: ResolveProblem): PlacedProblem => ({
    reason: p.reason,
    message: p.message,
    packs: p.packs.map((n) => names.indexOf(n)).filter((i) => i >= 0),
  });
  return { object, yaml, invalid: [], result, problems: result.ok ? [] : result.problems.map(place) };
}
