import { CLUSTERPROFILE_KIND } from '../api/clusterprofile.js';
import { API_VERSION, layer as layerSchema, SEMVER_PATTERN, type Layer } from '../api/common.js';
import { parseVersionExpression } from '../resolve/version-expression.js';

/**
 * A Palette cluster-profile export (the JSON Palette's "Export profile" and its API write:
 * `metadata`, `spec.version`, `spec.template {type, cloudType, packs[]}`) turned into a
 * ClusterProfile. Every part either finds a home or is reported: `unmapped` are parts that were
 * left out or changed in meaning (the caller exits non-zero), `notes` say what was renamed or
 * kept elsewhere. Palette's own identifiers (uids, a registry's kind and visibility) identify
 * objects of a Palette tenant and have no meaning outside it; they are dropped without a word.
 */
export interface PaletteImport {
  profile: Record<string, unknown>;
  unmapped: ImportProblem[];
  notes: ImportProblem[];
}

export interface ImportProblem {
  /** Where in the export, e.g. `spec.template.packs[3].registry.metadata.name`. */
  path: string;
  message: string;
}

/** Palette's profile types; `cluster` is what Palette calls a full profile. */
const PROFILE_TYPES: Record<string, 'infra' | 'add-on' | 'full'> = {
  cluster: 'full',
  infra: 'infra',
  'add-on': 'add-on',
};
/** Pack types served from a registry (Palette pack, Helm or OCI registry): the pack's name is the chart. */
const REGISTRY_PACK_TYPES = new Set(['spectro', 'helm', 'oci']);
export const CLOUD_TYPE_ANNOTATION = 'packyard.io/palette-cloud-type';

const KNOWN = {
  top: new Set(['metadata', 'spec']),
  metadata: new Set(['name', 'description', 'labels', 'uid']),
  spec: new Set(['version', 'template']),
  template: new Set(['type', 'cloudType', 'packs']),
  // registryUid and packUid: how Palette's API payloads (POST /v1/clusterprofiles) name a pack's registry and the pack.
  pack: new Set([
    'name',
    'type',
    'layer',
    'version',
    'tag',
    'values',
    'registry',
    'registryUid',
    'manifests',
    'uid',
    'packUid',
  ]),
  registry: new Set(['metadata']),
  registryMetadata: new Set(['uid', 'name', 'kind', 'isPrivate']),
  manifest: new Set(['name', 'content', 'uid']),
};

const LAYERS: readonly string[] = layerSchema.options;
const PACK_NAME = /^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Reads the export; throws ImportError when it is not one (nothing worth printing). */
export function importPaletteProfile(exported: unknown, registryMap: ReadonlyMap<string, string>): PaletteImport {
  const unmapped: ImportProblem[] = [];
  const notes: ImportProblem[] = [];
  const lost = (path: string, message: string) => unmapped.push({ path, message });
  const note = (path: string, message: string) => notes.push({ path, message });
  if (!isRecord(exported)) throw new ImportError('not a Palette cluster-profile export: the file is not a JSON object');
  const metadata = isRecord(exported.metadata) ? exported.metadata : {};
  const spec = isRecord(exported.spec) ? exported.spec : {};
  const template = isRecord(spec.template) ? spec.template : undefined;
  if (!template || !Array.isArray(template.packs)) {
    // Palette's API returns a profile (GET /v1/clusterprofiles/{uid}) with its packs under
    // spec.published or spec.draft, and their manifests by reference only: not an export.
    const read = ['published', 'draft'].find((k) => isRecord(spec[k]) && Array.isArray(spec[k].packs));
    throw new ImportError(
      read === undefined
        ? 'not a Palette cluster-profile export: it has no spec.template.packs'
        : `not a Palette cluster-profile export but a profile as Palette's API returns it (spec.${read}.packs), whose manifests are references only: export the profile instead (Export Profile, or GET /v1/clusterprofiles/{uid}/export)`,
    );
  }
  unknownFields(exported, KNOWN.top, '', lost);
  unknownFields(metadata, KNOWN.metadata, 'metadata', lost);
  unknownFields(spec, KNOWN.spec, 'spec', lost);
  unknownFields(template, KNOWN.template, 'spec.template', lost);

  const packs = template.packs
    .map((p, i) => ({ i, pack: importPack(p, `spec.template.packs[${i}]`, registryMap, lost, note) }))
    .filter((p): p is { i: number; pack: ImportedPack } => p.pack !== undefined)
    // Palette lists layers bottom up already; sort (stably) in case an export does not.
    .sort((a, b) => LAYERS.indexOf(a.pack.layer) - LAYERS.indexOf(b.pack.layer) || a.i - b.i)
    .map((p) => p.pack);

  const type = profileType(template.type, packs, lost);
  const profileSpec: Record<string, unknown> = { type };
  if (typeof spec.version === 'string' && SEMVER_PATTERN.test(spec.version)) profileSpec.version = spec.version;
  else if (spec.version !== undefined)
    lost('spec.version', `${JSON.stringify(spec.version)} is not a SemVer version; the profile gets 1.0.0`);
  if (typeof metadata.description === 'string' && metadata.description !== '') {
    profileSpec.description = metadata.description.slice(0, 1024);
    if (metadata.description.length > 1024) lost('metadata.description', 'longer than 1024 characters: cut to 1024');
  }
  profileSpec.packs = packs;

  const meta: Record<string, unknown> = { name: objectName(metadata.name, lost, note) };
  const labels = importLabels(metadata.labels, lost, note);
  if (labels) meta.labels = labels;
  if (typeof template.cloudType === 'string' && template.cloudType !== '') {
    meta.annotations = { [CLOUD_TYPE_ANNOTATION]: template.cloudType };
    note('spec.template.cloudType', `kept as the annotation ${CLOUD_TYPE_ANNOTATION}: ${template.cloudType}`);
  }
  return {
    profile: { apiVersion: API_VERSION, kind: CLUSTERPROFILE_KIND, metadata: meta, spec: profileSpec },
    unmapped,
    notes,
  };
}

export class ImportError extends Error {}

interface ImportedPack {
  name: string;
  layer: Layer;
  [field: string]: unknown;
}

function importPack(
  value: unknown,
  at: string,
  registryMap: ReadonlyMap<string, string>,
  lost: (path: string, message: string) => void,
  note: (path: string, message: string) => void,
): ImportedPack | undefined {
  if (!isRecord(value)) {
    lost(at, 'not an object: pack left out');
    return undefined;
  }
  unknownFields(value, KNOWN.pack, at, lost);
  if (typeof value.name !== 'string' || value.name === '') {
    lost(at, 'a pack without a name: left out');
    return undefined;
  }
  const name = packName(value.name);
  if (name !== value.name)
    note(`${at}.name`, `${JSON.stringify(value.name)} is not a valid pack name: renamed ${name}`);
  let layer: Layer = 'addon';
  if (typeof value.layer === 'string' && LAYERS.includes(value.layer)) layer = value.layer as Layer;
  else lost(`${at}.layer`, `${JSON.stringify(value.layer)} is not a layer (${LAYERS.join(', ')}): imported as addon`);
  const pack: ImportedPack = { name, layer };
  const type = typeof value.type === 'string' ? value.type : undefined;
  const isManifest = type === 'manifest' || (type === undefined && Array.isArray(value.manifests));

  if (isManifest) {
    const manifests = importManifests(value.manifests, `${at}.manifests`, lost, note);
    if (manifests.length === 0) {
      lost(at, 'a manifest layer without manifests: left out');
      return undefined;
    }
    pack.manifests = manifests;
    if (typeof value.version === 'string' && value.version !== '') {
      note(
        `${at}.version`,
        `not kept (${value.version}): a manifest pack is identified by the sha256 of its manifests`,
      );
    }
    registryIsEmpty(value.registry, `${at}.registry`, lost);
  } else {
    if (type !== undefined && !REGISTRY_PACK_TYPES.has(type)) {
      lost(`${at}.type`, `pack type ${JSON.stringify(type)} is not known: imported as a registry pack`);
    }
    if (Array.isArray(value.manifests) && value.manifests.length > 0) {
      lost(`${at}.manifests`, 'manifests of a registry pack have no place in a ClusterProfile: left out');
    }
    const version = versionExpression(value, at, lost);
    if (version === undefined) return undefined;
    pack.version = version;
    const registry = mappedRegistry(value, `${at}.registry.metadata.name`, registryMap, lost);
    if (registry !== undefined) pack.registry = registry;
    if (name !== value.name) pack.chart = value.name;
  }
  if (typeof value.values === 'string') {
    if (value.values.trim() !== '') pack.values = value.values;
  } else if (value.values !== undefined && value.values !== null) {
    lost(`${at}.values`, 'not a string of YAML: left out');
  }
  return pack;
}

/** The pack's `tag` (Palette's version expression, `1.25.x`); its exported `version` when there is no usable tag. */
function versionExpression(
  pack: Record<string, unknown>,
  at: string,
  lost: (path: string, message: string) => void,
): string | undefined {
  const usable = (v: unknown): v is string =>
    typeof v === 'string' && v.trim() !== '' && parseVersionExpression(v.trim()).ok;
  if (usable(pack.tag)) return pack.tag.trim();
  if (pack.tag !== undefined && pack.tag !== '') {
    lost(
      `${at}.tag`,
      `${JSON.stringify(pack.tag)} is not a version expression${usable(pack.version) ? `: the exact version ${pack.version} is used` : ''}`,
    );
  }
  if (usable(pack.version)) return pack.version.trim();
  lost(at, `no usable tag or version (${JSON.stringify(pack.version)}): pack left out`);
  return undefined;
}

function mappedRegistry(
  pack: Record<string, unknown>,
  at: string,
  registryMap: ReadonlyMap<string, string>,
  lost: (path: string, message: string) => void,
): string | undefined {
  const registry = pack.registry;
  const meta = isRecord(registry) && isRecord(registry.metadata) ? registry.metadata : undefined;
  if (isRecord(registry)) unknownFields(registry, KNOWN.registry, at.replace(/\.metadata\.name$/, ''), lost);
  if (meta) unknownFields(meta, KNOWN.registryMetadata, at.replace(/\.name$/, ''), lost);
  const name = typeof meta?.name === 'string' ? meta.name : '';
  if (name === '') {
    const uid = typeof pack.registryUid === 'string' && pack.registryUid !== '' ? pack.registryUid : undefined;
    lost(
      uid === undefined ? at : at.replace(/registry\.metadata\.name$/, 'registryUid'),
      uid === undefined
        ? 'the pack names no registry: it will use the default PackRegistry'
        : `the pack names its registry by uid only (${uid}), which means nothing outside its Palette: it will use the default PackRegistry`,
    );
    return undefined;
  }
  const mapped = registryMap.get(name);
  if (mapped !== undefined) return mapped;
  lost(
    at,
    `registry ${JSON.stringify(name)} is not mapped (--registry-map '${name}=PACKREGISTRY'): the pack will use the default PackRegistry`,
  );
  return undefined;
}

/** A manifest layer's registry is Palette's empty placeholder; anything in it would be lost. */
function registryIsEmpty(registry: unknown, at: string, lost: (path: string, message: string) => void): void {
  const meta = isRecord(registry) && isRecord(registry.metadata) ? registry.metadata : {};
  if (typeof meta.name === 'string' && meta.name !== '')
    lost(`${at}.metadata.name`, `a manifest pack needs no registry: ${JSON.stringify(meta.name)} left out`);
}

function importManifests(
  value: unknown,
  at: string,
  lost: (path: string, message: string) => void,
  note: (path: string, message: string) => void,
): { name: string; content: string }[] {
  if (!Array.isArray(value)) return [];
  const seen = new Set<string>();
  const out: { name: string; content: string }[] = [];
  value.forEach((m, i) => {
    const where = `${at}[${i}]`;
    if (!isRecord(m) || typeof m.name !== 'string' || typeof m.content !== 'string' || m.content.trim() === '') {
      lost(where, 'a manifest needs a name and non-empty content: left out');
      return;
    }
    unknownFields(m, KNOWN.manifest, where, lost);
    let name = packName(m.name);
    if (name !== m.name)
      note(`${where}.name`, `${JSON.stringify(m.name)} is not a valid manifest name: renamed ${name}`);
    for (let n = 2; seen.has(name); n++) name = `${packName(m.name)}-${n}`;
    seen.add(name);
    out.push({ name, content: m.content });
  });
  return out;
}

function profileType(
  value: unknown,
  packs: readonly ImportedPack[],
  lost: (path: string, message: string) => void,
): 'infra' | 'add-on' | 'full' {
  const mapped = typeof value === 'string' ? PROFILE_TYPES[value] : undefined;
  // Palette's infrastructure profiles hold no add-ons; should an export hold some, the profile is full.
  if (mapped === 'infra' && packs.some((p) => p.layer === 'addon')) {
    lost('spec.template.type', 'an infra profile with packs of layer addon: imported as full');
    return 'full';
  }
  if (mapped) return mapped;
  const guess = packs.every((p) => p.layer === 'addon') ? 'add-on' : 'full';
  lost(
    'spec.template.type',
    `profile type ${JSON.stringify(value)} has no ClusterProfile equivalent (cluster, infra, add-on): imported as ${guess}`,
  );
  return guess;
}

function objectName(
  value: unknown,
  lost: (path: string, message: string) => void,
  note: (path: string, message: string) => void,
): string {
  if (typeof value !== 'string' || value.trim() === '') {
    lost('metadata.name', 'the profile has no name: named palette-profile');
    return 'palette-profile';
  }
  if (DNS_SUBDOMAIN.test(value) && value.length <= 253) return value;
  const name = dnsName(value);
  note('metadata.name', `${JSON.stringify(value)} is not a Kubernetes name: renamed ${name}`);
  return name;
}

/**
 * Palette stores a tag without a value (`AI` in its UI) as the label `AI: spectro__tag`; the label
 * Kubernetes has for it is `AI: ""`.
 */
const PALETTE_TAG_WITHOUT_VALUE = 'spectro__tag';

function importLabels(
  value: unknown,
  lost: (path: string, message: string) => void,
  note: (path: string, message: string) => void,
): Record<string, string> | undefined {
  if (!isRecord(value)) return undefined;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === PALETTE_TAG_WITHOUT_VALUE && LABEL_KEY.test(k)) {
      labels[k] = '';
      note(
        `metadata.labels.${k}`,
        `Palette's tag without a value (${PALETTE_TAG_WITHOUT_VALUE}): kept with the value ""`,
      );
    } else if (typeof v === 'string' && LABEL_KEY.test(k) && LABEL_VALUE.test(v)) labels[k] = v;
    else
      lost(
        `metadata.labels.${k}`,
        `${JSON.stringify(k)}: ${JSON.stringify(v)} is not a valid Kubernetes label: left out`,
      );
  }
  return Object.keys(labels).length ? labels : undefined;
}

/** Fields of `obj` not in `known` that carry something: reported, so nothing is dropped unseen. */
function unknownFields(
  obj: Record<string, unknown>,
  known: ReadonlySet<string>,
  at: string,
  lost: (path: string, message: string) => void,
): void {
  for (const [k, v] of Object.entries(obj)) {
    if (
      known.has(k) ||
      v === null ||
      v === '' ||
      (Array.isArray(v) && v.length === 0) ||
      (isRecord(v) && Object.keys(v).length === 0)
    )
      continue;
    lost(at ? `${at}.${k}` : k, 'has no ClusterProfile equivalent: left out');
  }
}

function packName(name: string): string {
  if (PACK_NAME.test(name) && name.length <= 253) return name;
  return dnsName(name);
}

/** Lower case, runs of other characters as `-`, trimmed to what Kubernetes accepts. */
function dnsName(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 253)
    .replace(/[^a-z0-9]+$/, '');
  return name === '' ? 'palette-profile' : name;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
