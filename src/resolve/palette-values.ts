import { formatList } from './explain.js';
import { isMap, mergeValues, own, parseValues, removeAt, type Values } from './values-tree.js';

/** One preset of a Palette pack's presets.yaml: a named change to its values, one per group. */
export interface Preset {
  name: string;
  group?: string;
  remove: string[];
  add: Values;
}

/** presets.yaml: `presets: [{name, displayName, group, remove: [paths], add: "yaml"}]`. Throws on a malformed file. */
export function parsePresets(text: string | undefined): Preset[] {
  if (text === undefined) return [];
  const doc = parseValues(text, 'presets.yaml');
  const list = doc.presets ?? [];
  if (!Array.isArray(list)) throw new Error('presets.yaml: presets is not a list');
  return list.map((p: unknown, i) => {
    if (!isMap(p) || typeof p.name !== 'string') throw new Error(`presets.yaml: presets[${i}] has no name`);
    const remove = Array.isArray(p.remove) ? p.remove.filter((r): r is string => typeof r === 'string') : [];
    const add =
      typeof p.add === 'string' ? parseValues(p.add, `presets.yaml: preset ${p.name} add`) : isMap(p.add) ? p.add : {};
    return { name: p.name, ...(typeof p.group === 'string' && { group: p.group }), remove, add };
  });
}

/**
 * The values with the chosen presets applied, in presets.yaml's order, each as Palette applies one:
 * its `remove` paths deleted, then its `add` merged in. Unknown names and two presets of one group
 * are problems; they come back as messages and the values are not changed.
 */
export function applyPresets(
  values: Values,
  presets: readonly Preset[],
  chosen: readonly string[],
): { values: Values; problems: string[] } {
  const problems: string[] = [];
  for (const name of chosen) {
    if (!presets.some((p) => p.name === name)) {
      problems.push(
        presets.length
          ? `has no preset ${name}; it offers ${formatList(presets.map((p) => p.name))}`
          : `has no presets (no presets.yaml), so preset ${name} cannot be applied`,
      );
    }
  }
  const byGroup = new Map<string, string[]>();
  for (const p of presets)
    if (p.group !== undefined && chosen.includes(p.name))
      byGroup.set(p.group, [...(byGroup.get(p.group) ?? []), p.name]);
  for (const [group, names] of byGroup)
    if (names.length > 1) problems.push(`presets ${formatList(names)} are all of group ${group}: choose one`);
  if (problems.length) return { values, problems };
  let out = values;
  for (const p of presets.filter((q) => chosen.includes(q.name))) {
    for (const path of p.remove) out = removeAt(out, path.split('.'));
    out = mergeValues(out, p.add);
  }
  return { values: out, problems };
}

/** One schema.yaml entry: the constraints Palette's UI enforces on one values path. */
export interface PaletteConstraint {
  path: string;
  required: boolean;
  /** `${string}`, `${number}`, `${list:[A,B]}`, … without the `${}`. */
  format?: string;
  hints?: string;
}

/**
 * schema.yaml: `dotted.path: { schema: '{{ required | format "${number}" | hints "…" }}' }`. Items
 * other than required, format and hints (readonly, hidden, …) do not constrain values and are skipped.
 */
export function parsePaletteSchema(text: string | undefined): PaletteConstraint[] {
  if (text === undefined) return [];
  const doc = parseValues(text, 'schema.yaml');
  const out: PaletteConstraint[] = [];
  for (const [path, entry] of Object.entries(doc)) {
    const template = isMap(entry) && typeof entry.schema === 'string' ? entry.schema : undefined;
    if (template === undefined) continue;
    const body = template
      .trim()
      .replace(/^\{\{-?/, '')
      .replace(/-?\}\}$/, '');
    const c: PaletteConstraint = { path, required: false };
    for (const m of body.matchAll(/(\w+)(?:\s+"((?:[^"\\]|\\.)*)")?/g)) {
      const [, item, arg] = m;
      if (item === 'required') c.required = true;
      else if (item === 'format' && arg !== undefined) c.format = /^\$\{(.*)\}$/.exec(arg.trim())?.[1];
      else if (item === 'hints' && arg !== undefined) c.hints = arg;
    }
    out.push(c);
  }
  return out;
}

/** One way values break a schema.yaml constraint. */
export interface PaletteViolation {
  path: string;
  rule: string;
  message: string;
}

/** A decimal number as text: 32, -1.5, .5, 1e3. */
const NUMBER_TEXT = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Values checked against schema.yaml as Palette's UI checks a pack's values: `required` paths hold a
 * non-empty value; a present value matches its format — string, password, number, boolean,
 * `list:[A,B,…]` (one of them), ipv4, ipv4cidr. A format Packyard does not know is not checked.
 */
export function paletteViolations(values: Values, constraints: readonly PaletteConstraint[]): PaletteViolation[] {
  const out: PaletteViolation[] = [];
  for (const c of constraints) {
    const hint = c.hints ? ` (${c.hints})` : '';
    for (const { at, value: v } of valuesAtPath(values, c.path.split('.'), '')) {
      if (v === undefined || v === null || v === '') {
        if (c.required) out.push({ path: at, rule: 'required', message: `is required${hint}` });
        continue;
      }
      const problem = c.format && formatProblem(c.format, v);
      if (problem) out.push({ path: at, rule: `format \${${c.format}}`, message: `${problem}${hint}` });
    }
  }
  return out;
}

/** The `$[]` segment of a schema.yaml path: each item of the list there (`registry.addresses.$[]`). */
const EACH_ITEM = '$[]';

/**
 * The values a schema.yaml path names, each with where it is: one for a plain dotted path (undefined
 * when absent), one per item for each `$[]` segment Palette documents for lists. A missing list
 * is one missing value, so `required` still catches it; an empty list has no item to check.
 */
function valuesAtPath(node: unknown, path: readonly string[], at: string): { at: string; value: unknown }[] {
  const [head, ...rest] = path;
  if (head === undefined) return [{ at, value: node }];
  if (node === undefined || node === null) return [{ at: `${at}.${path.join('.')}`, value: undefined }];
  if (head === EACH_ITEM) {
    if (!Array.isArray(node)) return valuesAtPath(node, rest, at);
    return node.flatMap((item, i) => valuesAtPath(item, rest, `${at}[${i}]`));
  }
  return valuesAtPath(isMap(node) ? own(node, head) : undefined, rest, `${at}.${head}`);
}

function formatProblem(format: string, v: unknown): string | undefined {
  const list = /^list:\[(.*)\]$/.exec(format);
  if (list) {
    const allowed = list[1]!.split(',').map((s) => s.trim());
    return allowed.includes(String(v)) ? undefined : `must be one of ${allowed.join(', ')}`;
  }
  switch (format) {
    case 'string':
    case 'password':
      return typeof v === 'string' ? undefined : 'must be a string';
    // The value's text is what the format checks: pack-central's nvidia-vss-application 1.0.0 ships
    // `vlmBatchSize: "32"` and `enableAudio: "false"` under ${number} and ${boolean} formats.
    case 'number':
      return typeof v === 'number' || (typeof v === 'string' && NUMBER_TEXT.test(v)) ? undefined : 'must be a number';
    case 'boolean':
      return typeof v === 'boolean' || v === 'true' || v === 'false' ? undefined : 'must be true or false';
    case 'ipv4':
      return typeof v === 'string' && IPV4.test(v) ? undefined : 'must be an IPv4 address';
    case 'ipv4cidr': {
      const [ip, bits] = typeof v === 'string' ? v.split('/') : [];
      return ip && IPV4.test(ip) && bits && /^\d+$/.test(bits) && Number(bits) <= 32
        ? undefined
        : 'must be an IPv4 CIDR (a.b.c.d/n)';
    }
    default:
      return undefined;
  }
}
