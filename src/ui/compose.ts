import { API_VERSION } from '../api/common.js';
import { CLUSTERPROFILE_KIND, clusterProfile, type ClusterProfile, type ProfilePack } from '../api/clusterprofile.js';
import { toFieldPath } from '../api/validate.js';
import { formatYaml } from '../cli/output.js';
import type { ResolveProblem } from '../resolve/problems.js';
import { resolveProfile, type PackLookup, type ResolveResult } from '../resolve/resolve-profile.js';
import type { RegistryState } from '../resolve/registries.js';
import type { ValuesSourceLookup } from '../resolve/values.js';
import type { PackContentSource } from '../sources/content/pack-content.js';
import { checkResolvedValues, type RegistryAccess } from '../sources/content/resolved-contents.js';

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

/** A valuesFrom entry as read with the person's kubeconfig: whether it was there, never what it holds. */
export interface ValuesSourceState {
  /** Index into spec.packs, and into that pack's valuesFrom. */
  pack: number;
  entry: number;
  state: 'found' | 'missing' | 'forbidden';
}

/** The resolution as the page receives it: the effective values are left out (they may hold a Secret's). */
export type ShownResult = Exclude<ResolveResult, { ok: true }> | Omit<Extract<ResolveResult, { ok: true }>, 'values'>;

export interface Composition {
  /** The object as it would be applied (CRD defaults not filled in), and the same as YAML. */
  object: ClusterProfile | Record<string, unknown>;
  yaml: string;
  /** Schema and admission-rule errors: the apiserver would refuse the object. */
  invalid: PlacedProblem[];
  /** The resolver's answer, values step included, when the object is valid. */
  result?: ShownResult;
  problems: PlacedProblem[];
  valuesFrom: ValuesSourceState[];
}

/** What the composer resolves against: the cluster as the person reads it, and the server's content source. */
export interface ComposeContext {
  packs: PackLookup;
  registries: readonly RegistryState[];
  /** Reads the profile's valuesFrom objects in its namespace (the person's RBAC applies). */
  valuesSources: (namespace: string, packs: readonly ProfilePack[]) => Promise<ValuesSourceLookup>;
  /** The specs and credentials of the registries named, to read the chosen versions' files. */
  registryAccess: (registries: readonly string[]) => Promise<RegistryAccess>;
  /** Files by digest, in the server's bounded cache. */
  source: PackContentSource;
}

/** The draft as the object the apiserver would get, checked with the CRD's own schema and rules. */
export function validateDraft(draft: Draft): { object: Composition['object']; yaml: string; invalid: PlacedProblem[] } {
  const object = {
    apiVersion: API_VERSION,
    kind: CLUSTERPROFILE_KIND,
    metadata: { name: draft.name ?? '', namespace: draft.namespace || 'default' },
    spec: draft.spec ?? {},
  };
  const yaml = formatYaml(object);
  const parsed = clusterProfile.safeParse(object);
  if (parsed.success) return { object: parsed.data, yaml, invalid: [] };
  const invalid = parsed.error.issues.map((issue): PlacedProblem => {
    const field = toFieldPath(issue.path);
    const index =
      issue.path[0] === 'spec' && issue.path[1] === 'packs' && typeof issue.path[2] === 'number' ? [issue.path[2]] : [];
    return { reason: 'Invalid', message: issue.message, packs: index, field };
  });
  return { object, yaml, invalid };
}

/**
 * Validates a draft with the CRD's own schema and rules, then resolves it as the reconciler does:
 * the operator's resolver against the catalogue the cluster holds, then the values step of the
 * operator and `packyard resolve` (checkResolvedValues: the chosen versions' files read, effective
 * values validated, valuesDigest in the lock). So the revision is the one `packyard resolve` prints.
 */
export async function compose(draft: Draft, ctx: ComposeContext): Promise<Composition> {
  const { object, yaml, invalid } = validateDraft(draft);
  if (invalid.length > 0) return { object, yaml, invalid, problems: [], valuesFrom: [] };
  const profile = object as ClusterProfile;
  const namespace = profile.metadata!.namespace!;
  const spec = profile.spec;
  const valuesSources = await ctx.valuesSources(namespace, spec.packs);
  const resolved = resolveProfile({
    profile: { spec, namespace },
    packs: ctx.packs,
    registries: ctx.registries,
    valuesSources,
    updateRequested: false,
  });
  const used = resolved.ok ? [...new Set(resolved.resolved.flatMap((r) => (r.registry ? [r.registry] : [])))] : [];
  const checked = await checkResolvedValues(resolved, {
    spec,
    namespace,
    valuesSources,
    registries: await ctx.registryAccess(used),
    source: ctx.source,
  });
  const names = spec.packs.map((p) => p.name);
  const place = (p: ResolveProblem): PlacedProblem => ({
    reason: p.reason,
    message: p.message,
    packs: p.packs.map((n) => names.indexOf(n)).filter((i) => i >= 0),
  });
  return {
    object,
    yaml,
    invalid: [],
    result: shown(checked),
    problems: checked.ok ? [] : checked.problems.map(place),
    valuesFrom: valuesFromStates(spec.packs, namespace, valuesSources),
  };
}

/** The result without the effective values: they stay on the server. */
function shown(result: ResolveResult): ShownResult {
  if (!result.ok) return result;
  const { values: _values, ...rest } = result;
  return rest;
}

function valuesFromStates(
  packs: readonly ProfilePack[],
  namespace: string,
  lookup: ValuesSourceLookup,
): ValuesSourceState[] {
  return packs.flatMap((p, pack) =>
    (p.valuesFrom ?? []).map((ref, entry): ValuesSourceState => {
      const text = lookup({ kind: ref.kind, namespace, name: ref.name, key: ref.valuesKey ?? 'values.yaml' });
      return { pack, entry, state: text === undefined ? 'missing' : typeof text === 'string' ? 'found' : 'forbidden' };
    }),
  );
}
