import { z } from 'zod';

import { parseGoDuration } from './duration.js';
import { LAYERS } from './names.js';
import { withRules } from './rules.js';

export { API_VERSION, CATEGORY, GROUP, VERSION, type Layer } from './names.js';

/** RFC 1123 subdomain: what Kubernetes accepts as an object name. */
export const dnsSubdomain = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);

/** Go's time.ParseDuration syntax restricted to the units operators use (as Flux does). */
const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
export const goDuration = z.string().regex(GO_DURATION);

/**
 * A goDuration from `min` to `max`, compared as CEL's duration() and parseGoDuration read them. A text
 * the pattern refuses is left to the pattern's message (CEL's `||` absorbs duration()'s error); one past
 * Go's longest duration (2562047h) fails the rule with a conversion error before its message.
 */
export function boundedDuration(field: string, min: string, max: string): typeof goDuration {
  const [minMs, maxMs] = [parseGoDuration(min), parseGoDuration(max)];
  return withRules(goDuration, [
    {
      cel: `!self.matches('${GO_DURATION.source.replaceAll('\\', '\\\\')}') || (duration(self) >= duration('${min}') && duration(self) <= duration('${max}'))`,
      message: `${field} must be from ${min} to ${max}`,
      holds: (self) => {
        if (!GO_DURATION.test(self)) return true;
        const ms = parseGoDuration(self);
        return ms >= minMs && ms <= maxMs;
      },
    },
  ]);
}

/** semver.org's own regular expression (RE2-compatible, so the apiserver can run it too). */
export const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export const secretReference = z
  .object({
    name: dnsSubdomain.describe("Name of a Secret in the operator's namespace."),
  })
  .describe("Reference to a Secret in the operator's namespace.");

/** Palette's layer enum, in its order: a stack is built bottom up, kernel (optional, rare) first. */
export const layer = z.enum(LAYERS);

/** metav1.Condition, as kstatus and `kubectl wait --for=condition=…` expect it. */
export const condition = z.object({
  type: z
    .string()
    .max(316)
    .regex(
      /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/,
    )
    .describe('Type of condition in CamelCase, e.g. Ready.'),
  status: z.enum(['True', 'False', 'Unknown']).describe('Status of the condition.'),
  observedGeneration: z
    .int()
    .min(0)
    .optional()
    .meta({ format: 'int64' })
    .describe('The .metadata.generation the condition was computed from.'),
  lastTransitionTime: z.string().meta({ format: 'date-time' }).describe('When the status last changed.'),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
    .describe('Programmatic identifier for the last transition, in CamelCase.'),
  message: z.string().max(32768).describe('Human-readable details of the last transition.'),
});
export type Condition = z.infer<typeof condition>;

export const conditions = z
  .array(condition)
  .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
  .describe('Current state: Ready, Reconciling and Stalled, kstatus-compliant.');

export const observedGeneration = z
  .int()
  .min(0)
  .meta({ format: 'int64' })
  .describe('The .metadata.generation the status was computed from.');

export const timestamp = z.string().meta({ format: 'date-time' });

/** Minimal object metadata used by our own typed objects; the apiserver owns the real schema. */
export const objectMeta = z.looseObject({
  name: z.string().optional(),
  namespace: z.string().optional(),
  generation: z.number().optional(),
  resourceVersion: z.string().optional(),
  uid: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
