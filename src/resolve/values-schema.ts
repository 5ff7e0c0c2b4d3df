import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };
import addFormats from 'ajv-formats';
import { Lru } from '../sources/oci/lru.js';
import { formatPath } from './values-tree.js';

/** One way values break a values.schema.json: where, which rule, and what it says. */
export interface SchemaViolation {
  path: string;
  rule: string;
  message: string;
}

type Draft = '04' | '06' | '07' | '2019-09' | '2020-12';

/**
 * The draft a schema declares in `$schema`. Helm (3.18 and later, santhosh-tekuri/jsonschema v6)
 * reads draft-04, -06, -07, 2019-09 and 2020-12, and takes 2020-12 when `$schema` is absent.
 */
function draftOf(schema: unknown): Draft | undefined {
  const declared = (schema as { $schema?: unknown } | null)?.$schema;
  if (declared === undefined) return '2020-12';
  if (typeof declared !== 'string') return undefined;
  const m = /json-schema\.org\/(?:draft-0([467])\/schema|draft\/(2019-09|2020-12)\/schema)#?$/.exec(declared);
  return m ? ((m[1] ? `0${m[1]}` : m[2]) as Draft) : undefined;
}

// Compiling is the expensive part; a chart's schema is the same text on every resolution.
const compiled = new Lru<string, ValidateFunction | string>(256);

/**
 * Every way `values` break `schemaText`, or a string saying why the schema itself cannot be used.
 * As Helm: all errors at once; `format` asserted for drafts before 2019-09 and an annotation from
 * 2019-09 on; `$ref`s inside the schema resolved. Unlike Helm, remote `$ref`s (http, https, urn)
 * are not fetched — an operator must not fetch URLs a chart names — and validate nothing.
 */
export function schemaViolations(schemaText: string, values: unknown): SchemaViolation[] | string {
  const key = createHash('sha256').update(schemaText).digest('hex');
  let validate = compiled.get(key);
  if (validate === undefined) {
    validate = compile(schemaText);
    compiled.set(key, validate);
  }
  if (typeof validate === 'string') return validate;
  if (validate(values)) return [];
  return (validate.errors ?? []).map(violation);
}

function compile(text: string): ValidateFunction | string {
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (e) {
    return `values.schema.json is not JSON: ${(e as Error).message}`;
  }
  if (typeof schema !== 'boolean' && (schema === null || typeof schema !== 'object' || Array.isArray(schema))) {
    return 'values.schema.json is not a JSON Schema (an object or a boolean)';
  }
  const draft = draftOf(schema);
  if (!draft)
    return `values.schema.json declares $schema ${JSON.stringify((schema as { $schema: unknown }).$schema)}, a draft Helm does not read`;
  const opts = {
    allErrors: true,
    strict: false,
    validateFormats: draft !== '2019-09' && draft !== '2020-12',
    loadSchema: undefined,
  };
  const ajv = draft === '2020-12' ? new Ajv2020(opts) : draft === '2019-09' ? new Ajv2019(opts) : new Ajv(opts);
  if (draft === '06') ajv.addMetaSchema(draft06);
  // draft-04 has no meta-schema in ajv 8: its keywords are read as draft-07's (exclusiveMaximum as a boolean is not).
  const body =
    typeof schema === 'object'
      ? withoutRemoteRefs(draft === '04' ? { ...schema, $schema: undefined } : schema)
      : schema;
  addFormats.default(ajv);
  try {
    return ajv.compile(body as object);
  } catch (e) {
    return `values.schema.json is not a valid ${draft.length === 2 ? `draft-${draft}` : draft} schema: ${(e as Error).message}`;
  }
}

/** The schema with every `$ref` to another document dropped (see schemaViolations). */
function withoutRemoteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutRemoteRefs);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (
      (k === '$ref' || k === '$dynamicRef' || k === '$recursiveRef') &&
      typeof v === 'string' &&
      /^(https?|urn|file):/i.test(v)
    )
      continue;
    if (k === '$schema' && v === undefined) continue;
    out[k] = withoutRemoteRefs(v);
  }
  return out;
}

function violation(e: ErrorObject): SchemaViolation {
  const segments = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const rule = e.schemaPath
    .replace(/^#\//, '')
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
  if (e.keyword === 'required')
    return { path: formatPath([...segments, String(e.params.missingProperty)]), rule, message: 'is required' };
  if (e.keyword === 'additionalProperties') {
    return {
      path: formatPath([...segments, String(e.params.additionalProperty)]),
      rule,
      message: 'is not allowed (additionalProperties)',
    };
  }
  if (e.keyword === 'enum')
    return {
      path: formatPath(segments),
      rule,
      message: `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
    };
  return { path: formatPath(segments), rule, message: e.message ?? e.keyword };
}
