import { isLayer, type Layer } from '../../api/names.js';
import type { PackDependency, PackResource } from '../../api/pack.js';

/** What one manifest contributes to a Pack beyond its tag and digest; cached by manifest digest. */
export interface VersionMetadata {
  layer: Layer;
  displayName?: string;
  description?: string;
  icon?: string;
  appVersion?: string;
  kubeVersion?: string;
  deprecated?: boolean;
  eol?: string;
  created?: string;
  dependencies?: PackDependency[];
  resources?: PackResource[];
  addonType?: string;
  cloudTypes?: string[];
}

export function asLayer(value: unknown): Layer | undefined {
  return isLayer(value) ? value : undefined;
}

/** A non-empty string, or undefined: metadata fields are optional and never fail a sync. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses JSON into an object, or undefined when it is not one. */
export function jsonObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 3339 as the Pack schema's date-time format requires. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function rfc3339(value: unknown): string | undefined {
  return typeof value === 'string' && RFC3339.test(value) && !Number.isNaN(Date.parse(value)) ? value : undefined;
}

/** Absent rather than undefined fields, so comparison with the stored Pack sees no change. */
export function compact<T extends object>(o: T): T {
  const out: Partial<T> = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out as T;
}
