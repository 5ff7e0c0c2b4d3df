import { isMap, mergeValues, parseValues, valueAt, type Values } from './values-tree.js';
import { schemaViolations, type SchemaViolation } from './values-schema.js';

/** A chart and its subcharts, as much of them as values need. */
export interface ChartNode {
  name: string;
  defaults: Values;
  schema?: string;
  subcharts: Subchart[];
}

/** A subchart under the key its values live under (its alias, else its name). */
interface Subchart {
  key: string;
  chart: ChartNode;
  condition?: string;
  tags?: string[];
}

interface Dependency {
  name?: unknown;
  alias?: unknown;
  condition?: unknown;
  tags?: unknown;
}

/**
 * Parsed charts by the files they came from. The content cache hands out the same files object for
 * a digest, and a resolution reads every pack's chart: parsing its YAML each time was the largest
 * part of a mass resolution's CPU (a fifth of the leader's in the soak). Frozen, as it is shared.
 */
const parsed = new WeakMap<Readonly<Record<string, string>>, ChartNode>();

/** chartTree, parsed once per files object; the tree and its values are frozen. */
export function parsedChartTree(files: Readonly<Record<string, string>>): ChartNode {
  let tree = parsed.get(files);
  if (!tree) {
    tree = deepFreeze(chartTree(files));
    parsed.set(files, tree);
  }
  return tree;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * The chart in `files` (paths of the chart directory; subcharts under `charts/<dir>/`). Dependencies
 * of Chart.yaml name the subcharts and give them an alias, a condition and tags; a chart in charts/
 * that Chart.yaml does not list is used under its own name, as Helm does.
 */
export function chartTree(files: Readonly<Record<string, string>>, prefix = ''): ChartNode {
  const meta = parseValues(files[`${prefix}Chart.yaml`] ?? '', `${prefix}Chart.yaml`);
  const name = typeof meta.name === 'string' ? meta.name : (prefix.split('/').at(-2) ?? 'chart');
  const defaults = parseValues(files[`${prefix}values.yaml`] ?? '', `${prefix}values.yaml`);
  const schema = files[`${prefix}values.schema.json`];
  const dirs = new Set<string>();
  for (const path of Object.keys(files)) {
    const m = new RegExp(`^${escape(prefix)}charts/([^/]+)/Chart\\.yaml$`).exec(path);
    if (m) dirs.add(m[1]!);
  }
  const charts = [...dirs].sort().map((d) => chartTree(files, `${prefix}charts/${d}/`));
  const dependencies = (Array.isArray(meta.dependencies) ? meta.dependencies : []) as Dependency[];
  const listed = new Set<ChartNode>();
  const subcharts: Subchart[] = [];
  for (const dep of dependencies) {
    const chart = charts.find((c) => c.name === dep.name);
    if (!chart) continue; // not vendored: Helm refuses to install it, which is not a values problem
    listed.add(chart);
    subcharts.push({
      key: typeof dep.alias === 'string' && dep.alias ? dep.alias : chart.name,
      chart,
      ...(typeof dep.condition === 'string' && dep.condition && { condition: dep.condition }),
      ...(Array.isArray(dep.tags) && { tags: dep.tags.filter((t): t is string => typeof t === 'string') }),
    });
  }
  for (const chart of charts) if (!listed.has(chart)) subcharts.push({ key: chart.name, chart });
  return { name, defaults, ...(schema !== undefined && { schema }), subcharts };
}

/**
 * The values Helm renders the chart with: its defaults under `user`, each enabled subchart's
 * defaults under its key, and the parent's `global` copied into every subchart (the parent's
 * globals win), recursively.
 */
export function coalesce(chart: ChartNode, user: Values): Values {
  const values = mergeValues(chart.defaults, user);
  for (const sub of enabledSubcharts(chart, values)) {
    const own = isMap(values[sub.key]) ? (values[sub.key] as Values) : {};
    const parentGlobal = isMap(values.global) ? values.global : {};
    const merged = coalesce(sub.chart, own);
    const subGlobal = isMap(merged.global) ? merged.global : {};
    values[sub.key] = { ...merged, global: mergeValues(subGlobal, parentGlobal) };
  }
  return values;
}

/**
 * Subcharts Helm keeps: a condition (the first of its comma-separated paths that holds a boolean)
 * decides; else tags (enabled when any is true, disabled when all are false); else enabled.
 */
export function enabledSubcharts(chart: ChartNode, values: Values): Subchart[] {
  return chart.subcharts.filter((sub) => {
    for (const path of (sub.condition ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const v = valueAt(values, path.split('.'));
      if (typeof v === 'boolean') return v;
    }
    if (sub.tags?.length) {
      const tags = isMap(values.tags) ? values.tags : {};
      const set = sub.tags.map((t) => tags[t]).filter((v) => typeof v === 'boolean');
      if (set.length > 0) return set.some((v) => v === true);
    }
    return true;
  });
}

/** A violation with the chart whose schema it broke and the path from the top of the values. */
export interface ChartViolation extends SchemaViolation {
  chart: string;
}

/**
 * Validates coalesced values as Helm's ValidateAgainstSchema does: the chart's schema against its
 * values, then each enabled subchart's schema against the values under its key (missing or null:
 * nothing to check; not a map: an error).
 */
export function chartViolations(chart: ChartNode, values: Values, at: string[] = []): ChartViolation[] | string {
  const out: ChartViolation[] = [];
  const prefix = at.map((k) => `.${k}`).join('');
  if (chart.schema !== undefined) {
    const found = schemaViolations(chart.schema, values);
    if (typeof found === 'string') return `${chart.name}: ${found}`;
    out.push(
      ...found.map((v) => ({
        ...v,
        chart: chart.name,
        path: v.path === '(root)' ? prefix || '(root)' : `${prefix}${v.path}`,
      })),
    );
  }
  for (const sub of enabledSubcharts(chart, values)) {
    const own = values[sub.key];
    if (own === undefined || own === null) continue;
    if (!isMap(own)) {
      out.push({
        chart: sub.chart.name,
        path: `${prefix}.${sub.key}`,
        rule: 'type',
        message: 'must be a map: it holds the values of a subchart',
      });
      continue;
    }
    const found = chartViolations(sub.chart, own, [...at, sub.key]);
    if (typeof found === 'string') return found;
    out.push(...found);
  }
  return out;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
