import type { ProfilePack } from '../api/clusterprofile.js';
import type { PackFiles } from '../sources/content/pack-files.js';
import { chartViolations, coalesce, parsedChartTree } from './chart-values.js';
import { applyPresets, paletteViolations, parsePaletteSchema, parsePresets } from './palette-values.js';
import { mergeValues, overlayValues, parseValues, valuesDigest, type Values } from './values-tree.js';
import type { ValuesSourceLookup } from './values.js';

/** Violations listed in one message; the rest are counted. */
const MAX_LISTED = 8;

export type PackValuesResult = { ok: true; values: Values; digest: string } | { ok: false; problems: string[] };

export interface PackValuesInput {
  pack: ProfilePack;
  namespace: string;
  lookup: ValuesSourceLookup;
  /** The resolved version's files; undefined for a pack without content (a manifest pack). */
  content?: PackFiles;
  /** `chart version`, for messages. */
  label: string;
}

/**
 * A pack's effective values, in this order, each layer merged onto the one before as Helm merges
 * values (maps by key, lists replaced, null deletes): the chart's or pack's defaults (values.yaml;
 * for a chart, its subcharts' defaults under their keys and globals copied down), the chosen Palette
 * presets, each valuesFrom in order, then `values`. Then validated: a chart against its
 * values.schema.json and its subcharts' under their keys, a Palette pack against its schema.yaml.
 */
export function packValues(input: PackValuesInput): PackValuesResult {
  const { pack, content, label } = input;
  const problems: string[] = [];
  const where = `values of pack ${pack.name} (${label})`;
  let user: Values = {};
  try {
    for (const ref of pack.valuesFrom ?? []) {
      const text = input.lookup({
        kind: ref.kind,
        namespace: input.namespace,
        name: ref.name,
        key: ref.valuesKey ?? 'values.yaml',
      });
      // Missing or unreadable sources are reported by checkValues; here they add nothing.
      if (typeof text === 'string') user = overlayValues(user, parseValues(text, `valuesFrom ${ref.kind} ${ref.name}`));
    }
    if (pack.values !== undefined) user = overlayValues(user, parseValues(pack.values, 'values'));
  } catch (e) {
    return { ok: false, problems: [`${where}: ${(e as Error).message}`] };
  }
  const presets = pack.presets ?? [];
  if (!content) {
    if (presets.length) return { ok: false, problems: [`${where}: presets need a Palette pack`] };
    return done(user);
  }
  try {
    if (content.kind === 'helm') {
      if (presets.length)
        return {
          ok: false,
          problems: [`${where}: presets ${presets.join(', ')} chosen, but a Helm chart has no presets`],
        };
      const tree = parsedChartTree(content.files);
      const values = coalesce(tree, user);
      const found = chartViolations(tree, values);
      if (typeof found === 'string') return { ok: false, problems: [`${where}: ${found}`] };
      for (const v of found) problems.push(`${v.path}: ${v.message} (values.schema.json of ${v.chart}: ${v.rule})`);
      return problems.length ? fail(where, problems) : done(values);
    }
    const defaults = parseValues(content.files['values.yaml'] ?? '', 'values.yaml');
    const applied = applyPresets(defaults, parsePresets(content.files['presets.yaml']), presets);
    if (applied.problems.length) return { ok: false, problems: applied.problems.map((p) => `${where}: ${p}`) };
    const values = mergeValues(applied.values, user);
    for (const v of paletteViolations(values, parsePaletteSchema(content.files['schema.yaml']))) {
      problems.push(`${v.path}: ${v.message} (schema.yaml: ${v.rule})`);
    }
    return problems.length ? fail(where, problems) : done(values);
  } catch (e) {
    // The pack's own files are broken (values.yaml not YAML, presets.yaml malformed): say whose.
    return { ok: false, problems: [`${where}: the pack's ${(e as Error).message}`] };
  }
}

function done(values: Values): PackValuesResult {
  return { ok: true, values, digest: valuesDigest(values) };
}

function fail(where: string, problems: string[]): PackValuesResult {
  const listed = problems.slice(0, MAX_LISTED);
  const more = problems.length > MAX_LISTED ? `; and ${problems.length - MAX_LISTED} more` : '';
  return { ok: false, problems: [`${where}: ${listed.join('; ')}${more}`] };
}
