import type { KubernetesObject } from '@kubernetes/client-node';
import { CONFIGMAP, SECRET } from '../api/resource-types.js';
import { KubeApiError, type KubeClient, type ResourceType } from '../controller/kube-client.js';
import type { RegistryAccess } from '../sources/content/resolved-contents.js';
import {
  configMapNamesOf,
  registryCredentials,
  secretNamesOf,
  type ConfigMapObject,
  type SecretObject,
} from '../sources/registry-credentials.js';
import type { RegistryObject } from './cluster-view.js';

/**
 * The specs and credentials of the registries named, their Secrets (and a keyless trusted root's
 * ConfigMap) read from the operator's namespace with the person's kubeconfig, as `packyard resolve
 * --from-cluster` reads them. An object the person may not read fails only the packs of that
 * registry, with the reason.
 */
export async function readRegistryAccess(
  client: KubeClient,
  registries: (name: string) => RegistryObject | undefined,
  names: readonly string[],
  namespace: string,
): Promise<RegistryAccess> {
  const read = new Map<string, KubernetesObject | undefined>();
  const refused = new Map<string, string>();
  const key = (type: ResourceType, name: string) => `${type.kind}/${name}`;
  const fetch = async (type: ResourceType, name: string) => {
    if (read.has(key(type, name)) || refused.has(key(type, name))) return;
    try {
      read.set(key(type, name), await client.get(type, name, namespace));
    } catch (err) {
      if (!(err instanceof KubeApiError) || (err.code !== 404 && err.code !== 403)) throw err;
      if (err.code === 404) read.set(key(type, name), undefined);
      else refused.set(key(type, name), `you may not read ${type.kind} ${namespace}/${name} (403 Forbidden)`);
    }
  };
  for (const name of names) {
    const spec = registries(name)?.spec;
    if (!spec) continue;
    for (const secret of secretNamesOf(spec)) await fetch(SECRET, secret);
    for (const map of configMapNamesOf(spec)) await fetch(CONFIGMAP, map);
  }
  return (name) => {
    const registry = registries(name);
    if (!registry) throw new Error(`registry ${name} not found`);
    const objects = [
      ...secretNamesOf(registry.spec).map((s) => key(SECRET, s)),
      ...configMapNamesOf(registry.spec).map((m) => key(CONFIGMAP, m)),
    ];
    const why = objects.find((k) => refused.has(k));
    if (why) throw new Error(`the credentials of registry ${name}: ${refused.get(why)}`);
    return {
      spec: registry.spec,
      credentials: registryCredentials(
        registry.spec,
        (s) => read.get(key(SECRET, s)) as SecretObject | undefined,
        namespace,
        (m) => read.get(key(CONFIGMAP, m)) as ConfigMapObject | undefined,
      ),
    };
  };
}
