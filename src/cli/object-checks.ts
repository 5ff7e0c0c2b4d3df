import { validateObject, type FieldError } from '../api/validate.js';
import { CLUSTERPROFILE_KIND } from '../api/clusterprofile.js';
import { yamlMapProblem } from '../resolve/values.js';
import { parseVersionExpression } from '../resolve/version-expression.js';
import type { Diagnostic } from './diagnostics.js';
import { isRecord, type SourcedObject } from './objects.js';

/** Which check found a problem: the CRD's admission rules, or the resolver's static checks. */
export type CheckSource = 'admission' | 'resolver';

export interface CheckedFieldError extends FieldError {
  check: CheckSource;
}

/**
 * Everything that can be said about one object without a registry: the CRD schema and admission
 * rules (validateObject, the same zod source the CRDs are generated from), then the resolver's
 * static checks — version expressions parse and values are YAML maps.
 */
export function checkObject(obj: Record<string, unknown>): CheckedFieldError[] {
  const errors: CheckedFieldError[] = validateObject(obj).map((e) => ({ ...e, check: 'admission' }));
  // The apiserver's own rule for every object (the CRD schema leaves metadata to it).
  const metadata = obj.metadata;
  if (isRecord(metadata) && !metadata.name && !metadata.generateName) {
    errors.unshift({
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
      check: 'admission',
    });
  }
  if (obj.kind === CLUSTERPROFILE_KIND) {
    const flagged = new Set(errors.map((e) => e.field));
    errors.push(...profileStaticChecks(obj, flagged).map((e): CheckedFieldError => ({ ...e, check: 'resolver' })));
  }
  return errors;
}

function profileStaticChecks(obj: Record<string, unknown>, flagged: Set<string>): FieldError[] {
  const packs = isRecord(obj.spec) ? obj.spec.packs : undefined;
  if (!Array.isArray(packs)) return [];
  const errors: FieldError[] = [];
  packs.forEach((pack, i) => {
    if (!isRecord(pack)) return;
    const at = `spec.packs[${i}]`;
    // A field the schema already rejected is not reported twice.
    if (typeof pack.version === 'string' && !flagged.has(`${at}.version`)) {
      const parsed = parseVersionExpression(pack.version);
      if (!parsed.ok) errors.push({ field: `${at}.version`, message: parsed.error });
    }
    if (typeof pack.values === 'string' && !flagged.has(`${at}.values`)) {
      const why = yamlMapProblem(pack.values);
      if (why) errors.push({ field: `${at}.values`, message: `values are ${why}` });
    }
  });
  return errors;
}

/** The checks of one sourced object as diagnostics, each on the line of the field it names, in line order. */
export function diagnoseObject(o: SourcedObject): Diagnostic[] {
  return checkObject(o.object)
    .map((e): Diagnostic => ({
      file: o.file,
      line: o.lineOf(fieldToPath(e.field)),
      kind: o.kind,
      ...(o.name !== undefined && { name: o.name }),
      ...(o.namespace !== undefined && { namespace: o.namespace }),
      field: e.field,
      message: e.message,
      check: e.check,
    }))
    .sort((a, b) => a.line - b.line);
}

/** `spec.packs[1].version` → ['spec', 'packs', 1, 'version'] (the inverse of toFieldPath). */
export function fieldToPath(field: string): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) path.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return path;
}
