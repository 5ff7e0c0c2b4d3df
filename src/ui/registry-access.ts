import { SECRET } from '../api/resource-types.js';
import { KubeApiError, type KubeClient } from '../controller/kube-client.js';
import type { RegistryAccess } from '../sources/content/resolved-contents.js';
import { registryCredentials, secretNamesOf, type SecretObject } from '../sources/registry-credentials.js';
import type { RegistryObject } from './cluster-view.js';

/**
 * The specs and credentials of the registries named, their Secrets read from the operator's
 * namespace with the person's kubeconfig, as `packyard resolve --from-cluster` reads them. A Secret
 * the person may not read fails only the packs of that registry, with the reason.
 */
export async function readRegistryAccess(
  client: KubeClient,
  registries: (name: string) => RegistryObject | undefined,
  names: readonly string[],
  namespace: string,
): Promise<RegistryAccess> {
  const secrets = new Map<string, SecretObject | undefined>();
  const refused = new Map<string, string>();
  for (const name of names) {
    const spec = registries(name)?.spec;
    for (const secret of spec ? secretNamesOf(spec) : []) {
      if (secrets.has(secret) || refused.has(secret)) continue;
      try {
        secrets.set(secret, await client.get<SecretObject>(SECRET, secret, namespace));
      } catch (err) {
        if (!(err instanceof KubeApiError) || (err.code !== 404 && err.code !== 403)) throw err;
        if (err.code === 403) refused.set(secret, `you may not read Secret ${namespace}/${secret} (403 Forbidden)`);
        else secrets.set(secret, undefined);
      }
    }
  }
  return (name) => {
    const registry = registries(name);
    if (!registry) throw new Error(`registry ${name} not found`);
    const why = secretNamesOf(registry.spec).find((s) => refused.has(s));
    if (why) throw new Error(`the credentials of registry ${name}: ${refused.get(why)}`);
    return {
      spec: registry.spec,
      credentials: registryCredentials(registry.spec, (s) => secrets.get(s), namespace),
    };
  };
}
