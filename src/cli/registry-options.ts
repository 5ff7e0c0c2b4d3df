import { DEFAULT_OPERATOR_NAMESPACE } from '../api/names.js';
import type { ValuesSourceLookup } from '../resolve/values.js';
import type { OptionSpec, ParsedValues } from './args.js';
import { listValue, stringValue } from './args.js';
import type { CliRegistry } from './catalogue.js';
import type { ClusterOptions } from './cluster.js';
import type { CliContext } from './context.js';
import { UsageError } from './exit-codes.js';
import { readInputs, valuesFromFiles, type Inputs } from './inputs.js';

/** Where registries come from: files, or the cluster of the current kubeconfig. */
export const REGISTRY_OPTIONS: Record<string, OptionSpec> = {
  registries: {
    type: 'string',
    short: 'r',
    multiple: true,
    value: 'FILE|DIR',
    description: 'PackRegistry objects to use (YAML files or directories).',
  },
  'from-cluster': {
    type: 'boolean',
    description: "Use the cluster's PackRegistries (current kubeconfig) and their Secrets, instead of --registries.",
  },
  namespace: {
    type: 'string',
    short: 'n',
    value: 'NS',
    description: `With --from-cluster: the operator's namespace, where registry Secrets live (default ${DEFAULT_OPERATOR_NAMESPACE}).`,
  },
  kubeconfig: {
    type: 'string',
    value: 'FILE',
    description: 'With --from-cluster: the kubeconfig to use (default $KUBECONFIG, ~/.kube/config).',
  },
  context: { type: 'string', value: 'NAME', description: 'With --from-cluster: the kubeconfig context to use.' },
};

export interface LoadedInputs extends Inputs {
  valuesSources: ValuesSourceLookup;
}

/**
 * The profiles of `profilePaths` and the registries to resolve them against: those of
 * --registries (and any among the profile paths), or the cluster's with --from-cluster.
 */
export async function loadInputs(
  ctx: CliContext,
  values: ParsedValues,
  profilePaths: readonly string[],
): Promise<LoadedInputs> {
  const fromCluster = values['from-cluster'] === true;
  const registryPaths = listValue(values, 'registries');
  if (fromCluster && registryPaths.length > 0)
    throw new UsageError('use either --registries or --from-cluster, not both');
  if (!fromCluster) {
    for (const flag of ['namespace', 'kubeconfig', 'context']) {
      if (stringValue(values, flag) !== undefined) throw new UsageError(`--${flag} needs --from-cluster`);
    }
  }
  const inputs = readInputs(profilePaths, registryPaths, ctx.env);
  if (!fromCluster) {
    if (inputs.registries.length === 0 && inputs.diagnostics.length === 0) {
      throw new UsageError(
        registryPaths.length > 0
          ? `no PackRegistry found in ${registryPaths.join(', ')}`
          : 'no registries: pass --registries FILE|DIR or --from-cluster',
      );
    }
    return { ...inputs, valuesSources: valuesFromFiles(inputs.others, (m) => ctx.err(`${m}\n`)) };
  }
  const opts: ClusterOptions = {
    namespace: stringValue(values, 'namespace') ?? DEFAULT_OPERATOR_NAMESPACE,
    kubeconfig: stringValue(values, 'kubeconfig'),
    context: stringValue(values, 'context'),
    env: ctx.env,
  };
  // Loaded only here: the Kubernetes client takes longer to load than a whole offline run.
  const { connect, registriesFromCluster, valuesFromCluster } = await import('./cluster.js');
  const client = connect(opts);
  const registries: CliRegistry[] = await registriesFromCluster(client, opts, (m) => ctx.err(`${m}\n`));
  if (registries.length === 0) throw new UsageError('the cluster has no PackRegistries');
  return { ...inputs, registries, valuesSources: await valuesFromCluster(client, inputs.profiles) };
}
