import type { z } from 'zod';
import { CLUSTERPROFILE_KIND, clusterProfile } from './clusterprofile.js';
import { PACK_KIND, pack } from './pack.js';
import { PACKREGISTRY_KIND, packRegistry } from './packregistry.js';

export interface FieldError {
  /** Path in the apiserver's notation, e.g. spec.packs[1].version. */
  field: string;
  message: string;
}

const SCHEMAS: Record<string, z.ZodType> = {
  [PACKREGISTRY_KIND]: packRegistry,
  [PACK_KIND]: pack,
  [CLUSTERPROFILE_KIND]: clusterProfile,
};

export function isPackyardKind(kind: unknown): kind is string {
  return typeof kind === 'string' && kind in SCHEMAS;
}

/** Validates one object against its kind's schema and admission rules, offline. */
export function validateObject(obj: { kind?: unknown }): FieldError[] {
  const schema = isPackyardKind(obj.kind) ? SCHEMAS[obj.kind] : undefined;
  if (!schema) return [{ field: 'kind', message: `unsupported kind ${String(obj.kind)}` }];
  const result = schema.safeParse(obj);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({ field: toFieldPath(issue.path), message: issue.message }));
}

export function toFieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}
