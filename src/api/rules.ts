import { z } from 'zod';

/**
 * One admission rule written once: `cel` is enforced by the apiserver (x-kubernetes-validations),
 * `holds` is the same rule in TypeScript so offline validation (the CLI, unit tests) agrees with it.
 */
export interface AdmissionRule<T> {
  cel: string;
  message: string;
  /** JSON path relative to the object the rule sits on, e.g. `.url`; the apiserver prefixes it to the message. */
  fieldPath?: string;
  holds: (self: T) => boolean;
}

export function withRules<S extends z.ZodType>(schema: S, rules: AdmissionRule<z.output<S>>[]): S {
  const refined = schema.superRefine((self, ctx) => {
    for (const rule of rules) {
      if (!rule.holds(self)) {
        ctx.addIssue({ code: 'custom', message: rule.message, path: fieldPathToZodPath(rule.fieldPath) });
      }
    }
  });
  return refined.meta({
    ...schema.meta(),
    'x-kubernetes-validations': rules.map(({ cel, message, fieldPath }) => ({
      rule: cel,
      message,
      ...(fieldPath ? { fieldPath, reason: 'FieldValueInvalid' } : {}),
    })),
  }) as S;
}

function fieldPathToZodPath(fieldPath: string | undefined): PropertyKey[] {
  if (!fieldPath) return [];
  return fieldPath.split('.').filter(Boolean);
}
