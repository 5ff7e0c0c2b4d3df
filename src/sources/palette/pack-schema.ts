import { Ajv, type ErrorObject } from 'ajv';
// Palette's own schema, vendored as data (provenance in pack-schema.md); tsc copies it into build/.
import schema from './pack-schema.json' with { type: 'json' };

/** One way pack.json breaks Palette's schema, at a JSON path (`['constraints', 'dependencies', 0, 'type']`). */
export interface PackSchemaIssue {
  path: (string | number)[];
  message: string;
}

export const PACK_SCHEMA: object = schema;

// allErrors: report every problem at once, as pack-central's CI does; strict off: the schema is upstream's, not ours to tidy.
const validate = new Ajv({ allErrors: true, strict: false }).compile(PACK_SCHEMA);

/** Every way `packJson` (parsed) breaks Palette's pack schema. */
export function packSchemaIssues(packJson: unknown): PackSchemaIssue[] {
  if (validate(packJson)) return [];
  return (validate.errors ?? []).map(issue);
}

/** ajv's error as a path and message; a missing property is reported at its own path, as `field: is required`. */
function issue(e: ErrorObject): PackSchemaIssue {
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  if (e.keyword === 'required') return { path: [...path, String(e.params.missingProperty)], message: 'is required' };
  if (e.keyword === 'enum')
    return {
      path,
      message: `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
    };
  return { path, message: e.message ?? e.keyword };
}
