import { isDeepStrictEqual } from 'node:util';
import { API_VERSION, PACK_KIND, PACK_LABEL, REGISTRY_LABEL } from '../api/names.js';
import type { Pack, PackSpec } from '../api/pack.js';
import type { PackRegistry } from '../api/packregistry.js';
import { PACK } from '../api/resource-types.js';
import type { KubeClient } from '../controller/kube-client.js';
import { isAlreadyExists, isConflict, isNotFound } from '../controller/kube-client.js';
import type { CatalogPack } from '../sources/catalog.js';
import { packObjectName } from './pack-name.js';

export interface PackWriteSummary {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

const WRITE_CONCURRENCY = 8;

/** The shared Pack informer's index of Packs by the registry that owns them. */
export const PACKS_BY_REGISTRY = 'registry';
export const packsByRegistry = (p: Pack): string[] => [p.metadata.labels?.[REGISTRY_LABEL] ?? ''];

/** The Pack objects a registry's catalogue should produce. */
export function desiredPacks(registry: PackRegistry, catalog: CatalogPack[]): Pack[] {
  const registryName = registry.metadata.name!;
  return catalog.map((entry) => ({
    apiVersion: API_VERSION,
    kind: PACK_KIND,
    metadata: {
      name: packObjectName(registryName, entry.name),
      labels: { [REGISTRY_LABEL]: registryName, [PACK_LABEL]: labelValue(entry.name) },
      ownerReferences: [
        {
          apiVersion: API_VERSION,
          kind: registry.kind,
          name: registryName,
          uid: registry.metadata.uid!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { registry: registryName, ...entry } satisfies PackSpec,
  }));
}

/**
 * Brings the registry's Pack objects to `desired`: creates the new, rewrites only those whose content
 * changed, deletes those the registry no longer offers. Called only after a successful sync, so a
 * failing registry never loses its Packs.
 */
export async function writePacks(client: KubeClient, existing: Pack[], desired: Pack[]): Promise<PackWriteSummary> {
  const summary: PackWriteSummary = { created: 0, updated: 0, deleted: 0, unchanged: 0 };
  const byName = new Map(existing.map((p) => [p.metadata.name!, p]));
  const wanted = new Set(desired.map((p) => p.metadata.name!));
  const work: (() => Promise<void>)[] = [];

  for (const pack of desired) {
    const current = byName.get(pack.metadata.name!);
    if (!current) {
      work.push(async () => {
        // A stale cache can miss a Pack we wrote a moment ago: it exists, and holds what we wrote.
        await client.create(PACK, pack as never).then(
          () => summary.created++,
          (err) => {
            if (!isAlreadyExists(err)) throw err;
          },
        );
      });
    } else if (!samePack(current, pack)) {
      const next = {
        ...pack,
        metadata: {
          ...current.metadata,
          ...pack.metadata,
          labels: { ...current.metadata.labels, ...pack.metadata.labels },
        },
      };
      work.push(async () => {
        // A conflict means our cache is behind; the Pack's watch event brings the registry back here.
        await client.update(PACK, next as never).then(
          () => summary.updated++,
          (err) => {
            if (!isConflict(err)) throw err;
          },
        );
      });
    } else {
      summary.unchanged++;
    }
  }
  for (const pack of existing) {
    if (wanted.has(pack.metadata.name!)) continue;
    work.push(async () => {
      await client.delete(PACK, pack.metadata.name!).catch((err) => {
        if (!isNotFound(err)) throw err;
      });
      summary.deleted++;
    });
  }
  await runLimited(work, WRITE_CONCURRENCY);
  return summary;
}

function samePack(current: Pack, desired: Pack): boolean {
  const labelsHeld = Object.entries(desired.metadata.labels ?? {}).every(
    ([k, v]) => current.metadata.labels?.[k] === v,
  );
  const owner = (p: Pack) => (p.metadata as { ownerReferences?: { uid: string }[] }).ownerReferences?.[0]?.uid;
  return (
    labelsHeld &&
    owner(current) === owner(desired) &&
    isDeepStrictEqual(normalize(current.spec), normalize(desired.spec))
  );
}

/** Drops undefined fields, which never survive a round trip through the apiserver. */
function normalize(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

/** Label values are at most 63 characters of [A-Za-z0-9._-]. */
function labelValue(name: string): string {
  return name
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

async function runLimited(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      await task().catch((err) => errors.push(err));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (errors.length > 0) throw errors[0];
}
