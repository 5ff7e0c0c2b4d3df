import type { ClusterProfileSpec } from '../api/clusterprofile.js';
import { parseGoDuration } from '../api/duration.js';
import type { PackSpec } from '../api/pack.js';
import type { PackRegistrySpec } from '../api/packregistry.js';
import type { RegistryState } from '../resolve/registries.js';
import { profileReferences } from '../resolve/resolve-profile.js';
import { SourceError } from '../sources/source-error.js';
import type { ResolvedCredentials } from './credentials.js';
import type { Progress } from './progress.js';
import { unsupportedType, type PackSources } from '../sources/registry-sources.js';

/** A PackRegistry the CLI works with, from a file or from the cluster. */
export interface CliRegistry {
  name: string;
  /** The spec with the CRD's defaults applied, as the operator sees it. */
  spec: PackRegistrySpec;
  /** `file:line` or `cluster`, for messages. */
  origin: string;
  /** Reads its credentials (may throw SourceError when a Secret is unusable). */
  credentials(): ResolvedCredentials;
}

export interface RegistryFailure {
  registry: string;
  origin: string;
  reason: string;
  message: string;
}

/** Packs of the registries fetched, keyed `<registry>/<chart>`: a PackLookup for resolveProfile. */
export interface Catalogue {
  packs: Map<string, PackSpec>;
  /** Every registry known, fetched ones ready, as the operator's RegistryState after a sync. */
  states: RegistryState[];
  failures: RegistryFailure[];
}

/**
 * The registries the profiles resolve against: those their packs name, and the default registry
 * when a pack names none (when exactly one is default; otherwise the resolver reports why).
 */
export function referencedRegistries(
  specs: readonly ClusterProfileSpec[],
  registries: readonly CliRegistry[],
): Set<string> {
  const defaults = registries.filter((r) => r.spec.default);
  const wanted = new Set<string>();
  for (const spec of specs) {
    for (const ref of profileReferences(spec)) {
      if (ref.registry !== undefined) wanted.add(ref.registry);
      else if (defaults.length === 1) wanted.add(defaults[0]!.name);
    }
  }
  return wanted;
}

/**
 * The catalogue some profiles need: the registries they reference fetched (fetchCatalogue), each
 * failure printed as it is reported.
 */
export async function fetchProfilesCatalogue(
  inputs: { profiles: readonly { spec: ClusterProfileSpec }[]; registries: readonly CliRegistry[] },
  ctx: Parameters<typeof fetchCatalogue>[2] & { err(text: string): void },
): Promise<Catalogue> {
  const wanted = referencedRegistries(
    inputs.profiles.map((p) => p.spec),
    inputs.registries,
  );
  const catalogue = await fetchCatalogue(inputs.registries, wanted, ctx);
  for (const f of catalogue.failures) ctx.err(`${formatFailure(f)}\n`);
  return catalogue;
}

/**
 * Fetches each wanted registry once, in parallel, with the operator's sources, and builds the
 * catalogue its reconciler would write as Pack objects (spec = the registry plus what the source
 * reported). A registry that fails is reported, not fatal: the resolver then says which packs it blocks.
 */
export async function fetchCatalogue(
  registries: readonly CliRegistry[],
  wanted: ReadonlySet<string>,
  opts: { sources(): Promise<PackSources>; progress: Progress; signal: AbortSignal },
): Promise<Catalogue> {
  const packs = new Map<string, PackSpec>();
  const failures: RegistryFailure[] = [];
  const fetched = new Set<string>();
  const todo = registries.filter((r) => wanted.has(r.name));
  const sources = await opts.sources();
  opts.progress.start(todo.length);
  await Promise.all(
    todo.map(async (registry) => {
      const fail = (reason: string, message: string) =>
        failures.push({ registry: registry.name, origin: registry.origin, reason, message });
      opts.progress.begin(registry.name);
      let hint: string | undefined;
      try {
        const source = sources[registry.spec.type];
        if (!source) return fail('Unsupported', unsupportedType(registry.spec.type));
        const { credentials, hint: why } = registry.credentials();
        hint = why;
        const result = await source.sync({
          registryName: registry.name,
          spec: registry.spec,
          credentials,
          previous: {},
          timeoutMs: parseGoDuration(registry.spec.timeout ?? '60s'),
          signal: opts.signal,
        });
        if (!result.changed)
          throw new SourceError('InvalidIndex', 'the registry answered "not modified" to an unconditional request');
        for (const entry of result.packs)
          packs.set(`${registry.name}/${entry.name}`, { registry: registry.name, ...entry });
        fetched.add(registry.name);
      } catch (err) {
        if (!(err instanceof SourceError)) throw err;
        fail(
          err.reason,
          err.reason === 'AuthenticationFailed' && hint ? `${err.message} (credentials: ${hint})` : err.message,
        );
      } finally {
        opts.progress.end(registry.name);
      }
    }),
  );
  opts.progress.clear();
  failures.sort((a, b) => (a.registry < b.registry ? -1 : a.registry > b.registry ? 1 : 0));
  const states = registries.map((r): RegistryState => {
    const failure = failures.find((f) => f.registry === r.name);
    return {
      name: r.name,
      ready: fetched.has(r.name),
      ...(failure
        ? { reason: failure.reason, message: failure.message }
        : !fetched.has(r.name) && { reason: 'NotFetched' }),
      default: r.spec.default === true,
    };
  });
  return { packs, states, failures };
}

/** `error: registry charts (registries.yaml:3): AuthenticationFailed: …` */
export function formatFailure(f: RegistryFailure): string {
  return `error: registry ${f.registry} (${f.origin}): ${f.reason}: ${f.message}`;
}
