import type { KubernetesObject } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import type { KubeClient, ResourceType } from './kube-client.js';

type Status = Record<string, unknown>;

/**
 * Writes an object's status through the /status subresource with a JSON merge patch, and only when
 * it changed: a reconcile that finds nothing new makes no write at all.
 */
export class StatusWriter {
  constructor(private readonly client: KubeClient) {}

  /** Returns true when a write was made. */
  async write(type: ResourceType, obj: KubernetesObject & { status?: Status }, desired: Status): Promise<boolean> {
    const current = obj.status ?? {};
    const patch = mergePatchFor(current, desired);
    if (Object.keys(patch).length === 0) return false;
    const { name, namespace } = obj.metadata ?? {};
    await this.client.mergePatch(type, name!, namespace, { status: patch }, 'status');
    return true;
  }
}

/** The top-level RFC 7386 merge patch from `current` to `desired`: changed keys, and null for removed ones. */
export function mergePatchFor(current: Status, desired: Status): Status {
  // Compare what the apiserver would store: JSON drops undefined fields and any prototype quirks.
  const json = (v: unknown) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
  const patch: Status = {};
  for (const [key, value] of Object.entries(desired)) {
    if (value !== undefined && !isDeepStrictEqual(json(current[key]), json(value))) patch[key] = value;
  }
  for (const key of Object.keys(current)) {
    if (desired[key] === undefined) patch[key] = null;
  }
  return patch;
}
