import { createHash } from 'node:crypto';
import { parseDocument } from 'yaml';
import { describeValue } from './explain.js';
import { canonicalJson } from './lock.js';

/** A values map, as YAML maps decode into JSON-like objects. */
export type Values = Record<string, unknown>;

const TIMESTAMP = 'tag:yaml.org,2002:timestamp';

/**
 * A YAML values map read as Helm reads values (sigs.k8s.io/yaml over go-yaml v2: YAML 1.1, so `yes`
 * and `off` are booleans and `0777` is octal; timestamps stay strings). Empty text is the empty map.
 * Throws an Error naming the line on bad YAML or a document that is not a map.
 */
export function parseValues(text: string, what: string): Values {
  const doc = parseDocument(text, {
    version: '1.1',
    merge: true,
    customTags: (tags) => tags.filter((t) => (t as { tag?: string }).tag !== TIMESTAMP),
  });
  const error = doc.errors[0];
  if (error) throw new Error(`${what}: not valid YAML: ${error.message.split('\n')[0]}`);
  const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  if (value === null || value === undefined) return {};
  if (!isMap(value)) throw new Error(`${what}: not a YAML map but ${describeValue(value)}`);
  return value;
}

export function isMap(v: unknown): v is Values {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * `over` merged onto `base` as Helm coalesces user values onto chart defaults: maps merge key by
 * key, anything else (lists included) replaces, and a null in `over` deletes the key. Neither
 * argument is changed.
 */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const current = own(out, k);
    if (v === null) delete out[k];
    else put(out, k, isMap(v) && isMap(current) ? mergeValues(current, v) : clone(v));
  }
  return out;
}

/**
 * `over` laid onto `base` as Helm merges user values files (-f a -f b) before they meet the chart:
 * maps merge key by key, anything else replaces, and a null is kept, so that it still deletes the
 * default when mergeValues applies the result to the chart's values.
 */
export function overlayValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const current = own(out, k);
    put(out, k, isMap(v) && isMap(current) ? overlayValues(current, v) : clone(v));
  }
  return out;
}

/** A key's own value: `__proto__` or `constructor` in a values file are keys like any other, as in Helm's Go maps. */
export function own(values: Values, key: string): unknown {
  return Object.hasOwn(values, key) ? values[key] : undefined;
}

/** Sets a key as its own property: assigning `__proto__` would set the object's prototype and lose the key. */
function put(values: Values, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(values, key, { value, writable: true, enumerable: true, configurable: true });
  else values[key] = value;
}

export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** The value at a dotted path (`a.b.c`), or undefined. */
export function valueAt(values: unknown, path: readonly string[]): unknown {
  let at = values;
  for (const key of path) {
    if (!isMap(at)) return undefined;
    at = own(at, key);
  }
  return at;
}

/** The map without the value at `path` (Palette presets' `remove`); a missing path changes nothing. */
export function removeAt(values: Values, path: readonly string[]): Values {
  const [head, ...rest] = path;
  if (head === undefined || !Object.hasOwn(values, head)) return values;
  const out = { ...values };
  if (rest.length === 0) delete out[head];
  else if (isMap(out[head])) put(out, head, removeAt(out[head], rest));
  return out;
}

/** `sha256:<hex>` of the values' canonical JSON (keys sorted): equal values, equal digest. */
export function valuesDigest(values: Values): string {
  return `sha256:${createHash('sha256').update(canonicalJson(values)).digest('hex')}`;
}

/** `.a.b[0].c` as a path reads in messages, from JSON pointer segments. */
export function formatPath(segments: readonly (string | number)[]): string {
  if (segments.length === 0) return '(root)';
  return segments
    .map((s) =>
      typeof s === 'number' || /^\d+$/.test(s)
        ? `[${s}]`
        : /^[A-Za-z_][\w-]*$/.test(s)
          ? `.${s}`
          : `[${JSON.stringify(s)}]`,
    )
    .join('');
}
