import { packResource, packResourceComponent, type PackDependency, type PackResource } from '../../api/pack.js';
import type { Descriptor, Manifest } from './oci-client.js';
import { ANNOTATION_TITLE, HELM_CONFIG } from './media-types.js';
import { tarFiles } from './tar.js';
import { asLayer, compact, isObject, jsonObject, str, type VersionMetadata } from './version-metadata.js';

/** pack.json as Palette writes it, with the fields a catalogue uses. */
export interface PalettePack extends Omit<VersionMetadata, 'created'> {
  name?: string;
  version?: string;
  /** Palette's add-on category (monitoring, ingress, …); the Pack API has no field for it yet. */
  addonType?: string;
  /** Clouds the pack supports (all, aws, …); the Pack API has no field for it yet. */
  cloudTypes?: string[];
}

const DEPENDENCY_TYPES: ReadonlySet<string> = new Set(['required', 'optional', 'notSupported', 'upgrade']);

/** Container images and Helm charts are never packs: their layers are not worth downloading to look for pack.json. */
const NOT_PACKS = new Set([
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
  HELM_CONFIG,
]);

/**
 * Where a pack manifest keeps pack.json. Supported layouts, as `oras push` makes them:
 * - a layer titled `pack.json` (pushed as a file of its own): the JSON itself;
 * - a pack archive: a layer whose media type says tar (`…tar`, `…tar+gzip`) or whose title ends in
 *   .tar.gz/.tgz/.tar, holding pack.json at its root or in one top directory (`<name>/pack.json`),
 *   as Palette's `tar czf <name>-<version>.tar.gz <name>/` makes it.
 */
export function packJsonLayer(manifest: Manifest): { descriptor: Descriptor; archive: boolean } | undefined {
  if (manifest.config && NOT_PACKS.has(manifest.config.mediaType)) return undefined;
  const layers = (manifest.layers ?? []).filter((l) => isObject(l) && typeof l.digest === 'string');
  const title = (l: Descriptor) => l.annotations?.[ANNOTATION_TITLE] ?? '';
  const json = layers.find((l) => title(l) === 'pack.json');
  if (json) return { descriptor: json, archive: false };
  const archive = layers.find(
    (l) => /\btar\b|tar\+gzip/.test(l.mediaType ?? '') || /\.(tar\.gz|tgz|tar)$/.test(title(l)),
  );
  return archive ? { descriptor: archive, archive: true } : undefined;
}

/** pack.json from an (uncompressed) pack archive: the one at the root, else the one a directory down. */
export function packJsonFromTar(tar: Buffer): Buffer | undefined {
  const found = tarFiles(tar, (p) => /^([^/]+\/)?pack\.json$/.test(p));
  return found.get('pack.json') ?? [...found.entries()].sort(([a], [b]) => a.localeCompare(b))[0]?.[1];
}

/** Catalogue fields from pack.json; undefined when it is not a JSON object (the version is skipped). */
export function parsePackJson(blob: Buffer): PalettePack | undefined {
  const pack = jsonObject(blob);
  if (!pack) return undefined;
  const constraints = isObject(pack.constraints) ? pack.constraints : {};
  const dependencies = (Array.isArray(constraints.dependencies) ? constraints.dependencies : [])
    .map(dependency)
    .filter((d): d is PackDependency => !!d);
  const resources = (Array.isArray(constraints.resources) ? constraints.resources : [])
    .map(resource)
    .filter((r): r is PackResource => !!r);
  const cloudTypes = Array.isArray(pack.cloudTypes)
    ? pack.cloudTypes.filter((c): c is string => typeof c === 'string')
    : undefined;
  const annotations = isObject(pack.annotations) ? pack.annotations : {};
  const eol = str(typeof pack.eol === 'string' ? pack.eol.trim() : undefined);
  return compact({
    name: str(pack.name),
    version: str(pack.version),
    layer: asLayer(pack.layer) ?? 'addon',
    displayName: str(pack.displayName),
    description: str(pack.description),
    addonType: str(pack.addonType),
    cloudTypes,
    // Palette hides a deprecated pack version from new profiles; an end of life says the same ahead of time.
    deprecated: annotations.system_state === 'deprecated' || eol !== undefined ? true : undefined,
    eol,
    dependencies: dependencies.length ? dependencies : undefined,
    resources: resources.length ? resources : undefined,
  });
}

/**
 * One constraints.resources entry as Palette's pack schema allows it: an entry of an unknown type is
 * dropped, a minLimit that is not a non-negative number is left out, and so is each component that
 * does not fit the schema, rather than guessed at.
 */
function resource(value: unknown): PackResource | undefined {
  if (!isObject(value)) return undefined;
  const type = packResource.shape.type.safeParse(value.type);
  if (!type.success) return undefined;
  const minLimit =
    typeof value.minLimit === 'number' && Number.isFinite(value.minLimit) && value.minLimit >= 0
      ? value.minLimit
      : undefined;
  const components = (Array.isArray(value.components) ? value.components : []).flatMap((c) => {
    const parsed = packResourceComponent.safeParse(c);
    return parsed.success ? [compact(parsed.data)] : [];
  });
  return compact({ type: type.data, minLimit, components: components.length ? components : undefined });
}

/** One constraint; one with no pack name or an unknown type is dropped (it cannot be checked). */
function dependency(value: unknown): PackDependency | undefined {
  if (!isObject(value)) return undefined;
  const packName = str(value.packName);
  const type = str(value.type);
  if (!packName || !type || !DEPENDENCY_TYPES.has(type)) return undefined;
  return compact({
    packName,
    type: type as PackDependency['type'],
    layer: asLayer(value.layer),
    minVersion: str(value.minVersion),
    maxVersion: str(value.maxVersion),
  });
}
