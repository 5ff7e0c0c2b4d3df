import type { KubernetesObject } from '@kubernetes/client-node';
import { packRegistry } from '../api/packregistry.js';
import { CONFIGMAP, PACKREGISTRY, SECRET } from '../api/resource-types.js';
import { KubeApiError, KubeClient } from '../controller/kube-client.js';
import { loadKubeConfig } from '../controller/kube-config.js';
import {
  configMapNamesOf,
  registryCredentials,
  secretNamesOf,
  type ConfigMapObject,
  type SecretObject,
} from '../sources/registry-credentials.js';
import { readValuesSources } from '../reconcilers/values-sources.js';
import type { ValuesSourceLookup } from '../resolve/values.js';
import type { CliRegistry } from './catalogue.js';
import { credentialsFromEnvironment, envPrefix } from './credentials.js';
import { CliError, EXIT, UsageError } from './exit-codes.js';
import type { CliProfile } from './inputs.js';

export interface ClusterOptions {
  /** The operator's namespace, where registry Secrets live. */
  namespace: string;
  kubeconfig?: string;
  context?: string;
  env: NodeJS.ProcessEnv;
}

export function connect(opts: ClusterOptions): KubeClient {
  let kc;
  try {
    kc = loadKubeConfig(opts.kubeconfig ? { ...opts.env, KUBECONFIG: opts.kubeconfig } : opts.env);
    if (opts.context !== undefined) {
      if (!kc.getContexts().some((c) => c.name === opts.context))
        throw new UsageError(`kubeconfig has no context "${opts.context}"`);
      kc.setCurrentContext(opts.context);
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new UsageError((e as Error).message);
  }
  return new KubeClient(kc);
}

/**
 * The cluster's PackRegistries, with credentials read from their Secrets in the operator's
 * namespace exactly as the operator reads them. Environment variables for a registry
 * (PACKYARD_REGISTRY_<NAME>_…) take precedence, so a CI job needs no access to Secrets.
 */
export async function registriesFromCluster(
  client: KubeClient,
  opts: ClusterOptions,
  warn: (message: string) => void,
): Promise<CliRegistry[]> {
  const list = await clusterCall('list PackRegistries', () => client.list<KubernetesObject>(PACKREGISTRY));
  const registries: CliRegistry[] = [];
  for (const item of list.items) {
    const parsed = packRegistry.safeParse(item);
    const name = item.metadata?.name ?? '';
    if (!parsed.success) {
      warn(`warning: skipping PackRegistry ${name} from the cluster: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      continue;
    }
    const spec = parsed.data.spec;
    const fromEnv = Object.keys(opts.env).some((k) => k.startsWith(envPrefix(name)) && opts.env[k] !== '');
    const secrets = new Map<string, SecretObject | undefined>();
    const configMaps = new Map<string, ConfigMapObject | undefined>();
    if (!fromEnv) {
      for (const secret of secretNamesOf(spec)) {
        secrets.set(
          secret,
          await clusterCall(
            `read Secret ${opts.namespace}/${secret}`,
            () => client.get<SecretObject>(SECRET, secret, opts.namespace),
            [404],
          ),
        );
      }
      for (const map of configMapNamesOf(spec)) {
        configMaps.set(
          map,
          await clusterCall(
            `read ConfigMap ${opts.namespace}/${map}`,
            () => client.get<ConfigMapObject>(CONFIGMAP, map, opts.namespace),
            [404],
          ),
        );
      }
    }
    registries.push({
      name,
      spec,
      origin: 'cluster',
      credentials: () =>
        fromEnv
          ? credentialsFromEnvironment(name, spec, opts.env)
          : {
              credentials: registryCredentials(
                spec,
                (n) => secrets.get(n),
                opts.namespace,
                (n) => configMaps.get(n),
              ),
              origin: `Secrets in ${opts.namespace}`,
            },
    });
  }
  return registries;
}

/**
 * valuesFrom read from each profile's namespace with the operator's reader (readValuesSources): a
 * missing object is absent, a refused one is forbidden to the kubeconfig's user and says so.
 */
export async function valuesFromCluster(
  client: KubeClient,
  profiles: readonly CliProfile[],
): Promise<ValuesSourceLookup> {
  const byNamespace = new Map<string, CliProfile['spec']['packs']>();
  for (const profile of profiles)
    byNamespace.set(profile.namespace, [...(byNamespace.get(profile.namespace) ?? []), ...profile.spec.packs]);
  const lookups = new Map<string, ValuesSourceLookup>();
  for (const [namespace, packs] of byNamespace) {
    lookups.set(
      namespace,
      await clusterCall(`read valuesFrom objects in namespace ${namespace}`, () =>
        readValuesSources(client, namespace, packs, "the kubeconfig's user"),
      ),
    );
  }
  return (ref) => lookups.get(ref.namespace)?.(ref);
}

/**
 * Runs a request, turning failures into clear errors: an unreachable cluster is exit 4, a refusal
 * says what was refused. Statuses in `absent` (404, and 403 where the operator reads it so) give undefined.
 */
async function clusterCall<T>(what: string, call: () => Promise<T>): Promise<T>;
async function clusterCall<T>(what: string, call: () => Promise<T>, absent: readonly number[]): Promise<T | undefined>;
async function clusterCall<T>(
  what: string,
  call: () => Promise<T>,
  absent: readonly number[] = [],
): Promise<T | undefined> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof KubeApiError) {
      if (absent.includes(e.code)) return undefined;
      throw new CliError(`cannot ${what}: ${e.code === 403 ? 'Forbidden' : e.reason}: ${e.message}`, EXIT.ERRORS);
    }
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    throw new CliError(
      `cannot ${what}: the cluster is unreachable: ${(e as Error).message}${cause ? ` (${cause})` : ''}`,
      EXIT.REGISTRY_UNREACHABLE,
    );
  }
}
