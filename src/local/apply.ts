import type { KubernetesObject } from '@kubernetes/client-node';
import { CLUSTERPROFILE, CONFIGMAP, NAMESPACE, PACKREGISTRY, SECRET } from '../api/resource-types.js';
import type { KubeClient, ResourceType } from '../controller/kube-client.js';

const TYPES: Record<string, ResourceType> = Object.fromEntries(
  [PACKREGISTRY, CLUSTERPROFILE, CONFIGMAP, SECRET, NAMESPACE].map((t) => [t.kind, t]),
);

/** Server-side applies the objects `make run` installs (kinds it knows), so running it twice is harmless. */
export async function applyObjects(
  client: KubeClient,
  objects: KubernetesObject[],
  fieldManager = 'packyard-run',
): Promise<void> {
  for (const obj of objects) {
    const type = obj.kind ? TYPES[obj.kind] : undefined;
    if (!type) throw new Error(`cannot apply kind ${obj.kind}: make run applies ${Object.keys(TYPES).join(', ')}`);
    await client.apply(type, obj, fieldManager);
  }
}
