import type { KubernetesObject } from '@kubernetes/client-node';
import type { ProfilePack } from '../api/clusterprofile.js';
import { CONFIGMAP, SECRET } from '../api/resource-types.js';
import { isNotFound, KubeApiError, type KubeClient } from '../controller/kube-client.js';
import { FORBIDDEN_SOURCE, type ForbiddenSource, type ValuesSourceLookup } from '../resolve/values.js';

type ValuesObject = KubernetesObject & { data?: Record<string, string> };

/**
 * Reads every valuesFrom key of a profile's packs up front, from the profile's namespace, so the
 * pure resolver can look them up synchronously: missing is absent, a refusal (403) is forbidden to
 * `reader` (the operator when unset), anything else is thrown. The reconciler reads with the
 * operator's ServiceAccount, `packyard ui` with the person's kubeconfig.
 */
export async function readValuesSources(
  client: KubeClient,
  namespace: string,
  packs: readonly ProfilePack[],
  reader?: string,
): Promise<ValuesSourceLookup> {
  const found = new Map<string, string | undefined | ForbiddenSource>();
  const refKey = (kind: string, name: string, key: string) => `${kind}/${name}/${key}`;
  const forbidden: ForbiddenSource = reader === undefined ? FORBIDDEN_SOURCE : { forbidden: true, reader };
  for (const pack of packs) {
    for (const ref of pack.valuesFrom ?? []) {
      const valuesKey = ref.valuesKey ?? 'values.yaml';
      const key = refKey(ref.kind, ref.name, valuesKey);
      if (found.has(key)) continue;
      try {
        const obj = await client.get<ValuesObject>(ref.kind === 'Secret' ? SECRET : CONFIGMAP, ref.name, namespace);
        const raw = obj.data?.[valuesKey];
        found.set(key, raw !== undefined && ref.kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw);
      } catch (err) {
        const refused = err instanceof KubeApiError && err.code === 403;
        if (!isNotFound(err) && !refused) throw err;
        found.set(key, refused ? forbidden : undefined);
      }
    }
  }
  return (ref) => (ref.namespace === namespace ? found.get(refKey(ref.kind, ref.name, ref.key)) : undefined);
}
