import { YAMLException, load } from 'js-yaml';
import type { ProfilePack } from '../api/clusterprofile.js';
import { MAX_VALUES_BYTES } from '../api/names.js';
import { describeValue } from './explain.js';

/** Where a `valuesFrom` entry points: a key of a ConfigMap or Secret in the profile's namespace. */
export interface ValuesSourceRef {
  kind: 'ConfigMap' | 'Secret';
  namespace: string;
  name: string;
  key: string;
}

/**
 * A source the reader was refused (403): not missing, and fixed by RBAC rather than by creating it.
 * `reader` names who was refused when it is not the operator (`packyard ui` reads as the person).
 */
export interface ForbiddenSource {
  forbidden: true;
  reader?: string;
}

/** Refused to the operator's ServiceAccount. */
export const FORBIDDEN_SOURCE: ForbiddenSource = { forbidden: true };

/**
 * The text under that key (Secret data decoded), undefined when the object or the key does not
 * exist, or a ForbiddenSource. The caller reads it beforehand; the resolver never fetches.
 */
export type ValuesSourceLookup = (ref: ValuesSourceRef) => string | undefined | ForbiddenSource;

/** The opt-in ClusterRole of deploy/ (docs/deploy.md) that lets the operator read valuesFrom Secrets of a namespace. */
export const VALUES_SECRET_READER_ROLE = 'packyard-values-secret-reader';

/**
 * Why the values of a pack are unusable, one message per problem; empty when they are fine.
 * Values are validated here, not merged: the lock records charts, not configuration.
 */
export function checkValues(pack: ProfilePack, namespace: string, lookup: ValuesSourceLookup): string[] {
  const problems: string[] = [];
  for (const ref of pack.valuesFrom ?? []) {
    // Defaults as the CRD applies them, for callers that hand over an undefaulted spec.
    const key = ref.valuesKey ?? 'values.yaml';
    const where = `${ref.kind} ${namespace}/${ref.name} key ${key}`;
    const text = lookup({ kind: ref.kind, namespace, name: ref.name, key });
    if (text === undefined) {
      if (ref.optional !== true) problems.push(`valuesFrom of pack ${pack.name}: ${where} not found`);
      continue;
    }
    if (typeof text !== 'string') {
      if (ref.optional !== true)
        problems.push(
          `valuesFrom of pack ${pack.name}: ${ref.kind} ${namespace}/${ref.name} is forbidden to ${text.reader ?? 'the operator'} (403): ${grantHint(ref.kind, namespace, text.reader)}`,
        );
      continue;
    }
    const why = yamlMapProblem(text);
    if (why) problems.push(`valuesFrom of pack ${pack.name}: ${where}: ${why}`);
  }
  if (pack.values !== undefined) {
    const why = yamlMapProblem(pack.values);
    if (why) problems.push(`values of pack ${pack.name}: ${why}`);
  }
  return problems;
}

function grantHint(kind: 'ConfigMap' | 'Secret', namespace: string, reader?: string): string {
  if (reader !== undefined)
    return `it needs get on ${kind === 'Secret' ? 'secrets' : 'configmaps'} in namespace ${namespace}`;
  return kind === 'Secret'
    ? `bind the ClusterRole ${VALUES_SECRET_READER_ROLE} to its ServiceAccount in namespace ${namespace} (docs/deploy.md, "valuesFrom Secrets")`
    : `it needs get on configmaps in namespace ${namespace} (the ClusterRole of deploy/ grants it)`;
}

/**
 * Why `text` is not a YAML map of at most MAX_VALUES_BYTES, or undefined. An empty document (or
 * only comments, or null) counts as the empty map, as Helm reads it.
 */
export function yamlMapProblem(text: string): string | undefined {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_VALUES_BYTES) return `too large: ${bytes} bytes, more than the limit of ${MAX_VALUES_BYTES}`;
  let doc: unknown;
  try {
    // js-yaml refuses an empty stream; strip comments to tell "nothing" from a real error.
    if (text.replace(/^\s*(#.*)?$/gm, '').trim() === '') return undefined;
    doc = load(text);
  } catch (e) {
    if (!(e instanceof YAMLException)) throw e;
    const at = e.mark ? ` (line ${e.mark.line + 1}, column ${e.mark.column + 1})` : '';
    return `not valid YAML: ${e.reason}${at}`;
  }
  if (doc === null || (typeof doc === 'object' && !Array.isArray(doc))) return undefined;
  return `not a YAML map but ${describeValue(doc)}`;
}
