import type { KubernetesObject } from '@kubernetes/client-node';

/** The work-queue and cache key of an object: `namespace/name`, or `name` when cluster-scoped. */
export function objectKey(obj: KubernetesObject): string {
  const { namespace, name } = obj.metadata ?? {};
  return namespace ? `${namespace}/${name}` : `${name}`;
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
