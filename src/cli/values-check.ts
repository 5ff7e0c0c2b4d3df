import { homedir } from 'node:os';
import { join } from 'node:path';
import { ContentCache } from '../sources/content/content-cache.js';
import { PackContentSource } from '../sources/content/pack-content.js';
import { checkResolvedValues } from '../sources/content/resolved-contents.js';
import type { ValuesSourceLookup } from '../resolve/values.js';
import type { CliRegistry } from './catalogue.js';
import type { ProfileOutcome } from './resolution.js';

/** `$PACKYARD_CACHE/content`, else `~/.cache/packyard/content`: chart and pack files by digest, shared by every run. */
export function contentCacheDir(env: NodeJS.ProcessEnv): string {
  return join(env.PACKYARD_CACHE ?? join(homedir(), '.cache', 'packyard'), 'content');
}

/** A content source for one CLI run, with the on-disk cache, so a second run downloads nothing it has read. */
export function cliContentSource(env: NodeJS.ProcessEnv): PackContentSource {
  return new PackContentSource({ cache: new ContentCache(undefined, contentCacheDir(env)) });
}

/**
 * The operator's values step on each resolved profile: the chosen versions' files, effective values
 * validated, valuesDigest in the lock. The same code as the reconciler, with the CLI's registries.
 */
export async function withValues(
  outcomes: readonly ProfileOutcome[],
  registries: readonly CliRegistry[],
  valuesSources: ValuesSourceLookup,
  source: PackContentSource,
  signal?: AbortSignal,
): Promise<ProfileOutcome[]> {
  const access = (name: string) => {
    const registry = registries.find((r) => r.name === name);
    if (!registry) throw new Error(`registry ${name} not found`);
    return { spec: registry.spec, credentials: registry.credentials().credentials };
  };
  return Promise.all(
    outcomes.map(async (o) => ({
      ...o,
      result: await checkResolvedValues(o.result, {
        spec: o.profile.spec,
        namespace: o.profile.namespace,
        valuesSources,
        registries: access,
        source,
        ...(signal && { signal }),
      }),
    })),
  );
}
