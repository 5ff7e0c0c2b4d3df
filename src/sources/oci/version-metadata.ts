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

export { readRfc3339 as rfc3339 } from '../../api/time.js';

export { compact } from '../catalog.js';
