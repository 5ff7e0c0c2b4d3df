import { z } from 'zod';

type JsonSchema = { [key: string]: unknown };

// Keys a Kubernetes structural schema accepts; zod emits a few JSON Schema keys the apiserver rejects.
const KEPT_KEYS = new Set([
  'type',
  'format',
  'description',
  'properties',
  'required',
  'items',
  'additionalProperties',
  'enum',
  'default',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'nullable',
]);
const SAFE_INTEGER_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

/**
 * Turns a zod schema into a Kubernetes structural OpenAPI v3 schema (the shape a CRD's
 * openAPIV3Schema needs). Written by hand: no library maps zod to the apiserver's dialect.
 */
export function toStructuralSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' }) as JsonSchema;
  return clean(json);
}

function clean(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-')) {
      out[key] = value;
    } else if (!KEPT_KEYS.has(key)) {
      continue;
    } else if (key === 'properties') {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([name, child]) => [name, clean(child)]),
      );
    } else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) {
      out[key] = clean(value as JsonSchema);
    } else if ((key === 'minimum' || key === 'maximum') && SAFE_INTEGER_BOUNDS.has(value as number)) {
      continue; // zod's implicit safe-integer bounds: int64 needs none
    } else if (key === 'additionalProperties' && value === false) {
      continue; // structural schemas prune unknown fields already
    } else {
      out[key] = value;
    }
  }
  if (out.type === 'integer' && out.format === undefined) out.format = 'int32';
  return out;
}
