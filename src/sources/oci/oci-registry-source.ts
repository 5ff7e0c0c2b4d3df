import { createHash } from 'node:crypto';
import type { HelmVersion } from '../../resolve/helm-version.js';
import { DEFAULT_MAX_INDEX_SIZE } from '../../api/names.js';
import type { SyncResult } from '../catalog.js';
import { packNameMatcher, selectVersions } from '../pack-filter.js';
import type { PackSource, SyncRequest } from '../pack-source.js';
import { syncTls } from '../registry-credentials.js';
import { credentialKey, SingleFlight } from '../single-flight.js';
import { SourceError } from '../source-error.js';
import { materialFingerprint, NO_KEYS } from '../verify/verify-material.js';
import { VerificationCache } from '../verify/verification-cache.js';
import { newestFirst, toCatalogPacks, type ResolvedVersion } from './catalog-packs.js';
import { mapLimit } from './concurrency.js';
import { parseHelmConfig } from './helm-chart-config.js';
import { Lru } from './lru.js';
import { ANNOTATION_CREATED, HELM_CONFIG } from './media-types.js';
import { OciClient, type Manifest } from './oci-client.js';
import { packJsonFromTar, packJsonLayer, parsePackJson } from './palette-pack.js';
import { joinPath, parseOciUrl, tagVersion } from './reference.js';
import { untarBytes } from './tar.js';
import { TokenService, type HttpGetFn, type TokenCredentials } from './token-service.js';
import { rfc3339, type VersionMetadata } from './version-metadata.js';

export interface OciRegistrySourceOptions {
  /** httpGet or a wrapper around it (tests count requests with one). */
  http?: HttpGetFn;
  /** HEAD, manifest and blob requests in flight at once, per sync. Default 8. */
  concurrency?: number;
  /** `n` of catalog and tag listings. Default 1000 (distribution's default catalog maximum). */
  pageSize?: number;
  /** Manifests and blobs whose metadata is kept in memory. Default 50 000 (a few hundred bytes each). */
  cacheEntries?: number;
}

/** A tag that parsed as a version, before its digest is known. */
interface Candidate {
  pack: string;
  repository: string;
  tag: string;
  version: string;
  helm: HelmVersion;
}

type Content = 'helm' | 'pack';
/** Metadata of one manifest; null when it is not a chart (or pack), cached so it is not fetched again. */
type Cached = VersionMetadata | null;

const CONFIG_MAX_BYTES = 4 * 1024 * 1024;
/** Tags cosign writes beside an artifact: `sha256-<hex>.sig` (and .att, .sbom) and the referrers fallback index. */
const SIGNATURE_TAG = /^sha256-[a-f0-9]{64}(\.[a-z]+)?$/;

/**
 * An OCI registry holding Helm charts (`helm push`) or Palette packs (`…/archive/<name>:<version>`).
 * Frugal: filters apply to repository names and tags before anything else is fetched; each kept tag
 * costs one HEAD per sync; the revision is the sha256 of the (repository, tag, digest) set, so an
 * unchanged registry ends the sync there. Manifests and config blobs are content-addressed, so their
 * metadata is cached by digest and fetched once per process, whatever the registry.
 */
export class OciRegistrySource implements PackSource {
  readonly #tokens = new TokenService();
  readonly #manifests: Lru<string, Cached>;
  readonly #blobs: Lru<string, Cached>;
  /** Two tags (or two registries) naming one manifest at once fetch it once. */
  readonly #inflight = new SingleFlight<string, Cached>();
  /**
   * Two registries reading one registry at once (same origin, same credentials) share its ping,
   * catalog and tag listings and their HEADs too; the results are only read, never changed.
   */
  readonly #requests = new SingleFlight<string, unknown>();
  /** cosign results by keys and digest, shared by every registry of the process. */
  readonly #verification = new VerificationCache();

  constructor(private readonly opts: OciRegistrySourceOptions = {}) {
    this.#manifests = new Lru(opts.cacheEntries ?? 50_000);
    this.#blobs = new Lru(opts.cacheEntries ?? 50_000);
  }

  async sync({ spec, credentials, previous, timeoutMs, signal }: SyncRequest): Promise<SyncResult> {
    const tls = syncTls(spec, credentials);
    const registry = parseOciUrl(spec.url, {
      tls: !!(spec.tls?.caSecretRef || spec.tls?.clientCertSecretRef || tls.insecureSkipVerify || tls.ca || tls.cert),
    });
    const content: Content = spec.oci?.content ?? 'helm';
    const maxBytes = spec.maxIndexSize ?? DEFAULT_MAX_INDEX_SIZE;
    const concurrency = this.opts.concurrency ?? 8;
    // identityToken is set by credentialsFromSecret for .dockerconfigjson entries that carry one.
    const creds: TokenCredentials = {
      auth: credentials.auth,
      identityToken: (credentials as { identityToken?: string }).identityToken,
    };
    const client = new OciClient({
      origin: registry.origin,
      credentials: creds,
      tls,
      timeoutMs,
      signal,
      tokens: this.#tokens,
      maxBytes,
      pageSize: this.opts.pageSize,
      http: this.opts.http,
    });

    // What a request's answer depends on besides its path: who asks, and the limits it is read with.
    const scope = [
      registry.origin,
      credentialKey(creds.auth, tls),
      creds.identityToken ? credentialKey({ token: creds.identityToken }) : '',
      maxBytes,
      this.opts.pageSize ?? '',
    ].join(' ');
    const shared = <T>(what: string, fn: () => Promise<T>) => this.#requests.do(`${scope} ${what}`, fn) as Promise<T>;

    await shared('ping', () => client.ping());
    const explicit = (spec.oci?.repositories ?? []).length > 0;
    const repositories = explicit
      ? [...new Set(spec.oci!.repositories!.map((r) => joinPath(registry.basePath, r)))]
      : underPrefix(
          await shared('catalog', () => client.catalog()),
          joinPath(registry.basePath, spec.oci?.baseContentPath),
        );
    const includes = packNameMatcher(spec.filter);
    const tracked = repositories.filter((r) => includes(packName(r))).sort();
    const material = spec.verify ? credentials.verify : undefined;
    if (spec.verify && !material) throw new SourceError('InvalidVerifyKeys', NO_KEYS);
    const fingerprint = material && materialFingerprint(material);

    // Tags → versions, filtered per pack before any manifest is touched.
    let skipped = 0;
    const byPack = new Map<string, Candidate[]>();
    const tagLists = await mapLimit(tracked, concurrency, (repository) =>
      listTags(() => shared(`tags ${repository}`, () => client.tags(repository)), repository, explicit, registry.host),
    );
    // With verify, a signature pushed or replaced later (its tag appears or moves) must re-sync.
    const signatureTags: string[] = [];
    tracked.forEach((repository, i) => {
      for (const tag of tagLists[i]!) {
        // cosign's tags are signatures of versions, not versions: neither listed nor counted as skipped.
        if (SIGNATURE_TAG.test(tag)) {
          if (fingerprint) signatureTags.push(`${repository}\t${tag}\n`);
          continue;
        }
        const v = tagVersion(tag);
        if (!v) {
          skipped++;
          continue;
        }
        const pack = packName(repository);
        byPack.set(pack, [...(byPack.get(pack) ?? []), { pack, repository, tag, ...v }]);
      }
    });
    const selected: Candidate[] = [];
    for (const list of byPack.values()) {
      const unique = dedupe(list.sort(newestFirst));
      skipped += list.length - unique.length;
      selected.push(...selectVersions(unique, spec.filter));
    }

    const digests = await mapLimit(selected, concurrency, (c) =>
      shared(`head ${c.repository}:${c.tag}`, () => client.manifestDigest(c.repository, c.tag)).catch(goneTag),
    );
    const present = selected
      .map((c, i) => ({ ...c, digest: digests[i] }))
      .filter((c): c is Candidate & { digest: string } => !!c.digest);
    skipped += selected.length - present.length;
    const hash = createHash('sha256').update(
      present
        .map((c) => `${c.repository}\t${c.tag}\t${c.digest}\n`)
        .sort()
        .join(''),
    );
    if (fingerprint) hash.update(`verify ${fingerprint}\n`).update(signatureTags.sort().join(''));
    const revision = `sha256:${hash.digest('hex')}`;
    if (revision === previous.revision) return { changed: false };

    const metas = await mapLimit(present, concurrency, (c) =>
      this.#metadata(client, c.repository, c.digest, content, maxBytes),
    );
    const resolved: ResolvedVersion[] = [];
    present.forEach((c, i) => {
      const meta = metas[i];
      if (meta) resolved.push({ ...c, meta });
      else skipped++;
    });
    if (material && fingerprint) {
      // Loaded here: the sigstore libraries cost memory that registries without spec.verify never need.
      const { verifyCosign } = await import('../verify/cosign-verifier.js');
      const keys = await this.#verification.keys(material, fingerprint);
      if (keys.provider !== 'cosign')
        throw new SourceError('InvalidVerifyKeys', `an oci registry verifies with cosign, not ${keys.provider}`);
      // A certificate without a timestamp to place it in time is checked as valid now.
      const now = new Date();
      await mapLimit(resolved, concurrency, async (v) => {
        const where = `${registry.origin}/${v.repository}:${v.tag}`;
        v.verification = await this.#verification.verify(fingerprint, where, v.digest, () =>
          verifyCosign(client, v.repository, v.digest, keys, now),
        );
      });
    }
    return { changed: true, revision, packs: toCatalogPacks(registry.host, resolved), skippedVersions: skipped };
  }

  /** A manifest's metadata, from the cache or fetched once: by digest, so it can never be stale. */
  async #metadata(
    client: OciClient,
    repository: string,
    digest: string,
    content: Content,
    maxBytes: number,
  ): Promise<Cached> {
    const key = `${content}@${digest}`;
    const cached = this.#manifests.get(key);
    if (cached !== undefined) return cached;
    return this.#inflight.do(key, async () => {
      const { manifest } = await client.manifest(repository, digest);
      const base =
        content === 'helm'
          ? await this.#helmChart(client, repository, manifest)
          : await this.#palettePack(client, repository, manifest, maxBytes);
      const created = rfc3339(manifest.annotations?.[ANNOTATION_CREATED]);
      const meta = base && (created ? { ...base, created } : base);
      this.#manifests.set(key, meta);
      return meta;
    });
  }

  /** Chart.yaml from the config blob; any other config (an image, another artifact) is not a chart. */
  async #helmChart(client: OciClient, repository: string, manifest: Manifest): Promise<Cached> {
    const config = manifest.config;
    if (config?.mediaType !== HELM_CONFIG) return null;
    return this.#blob(
      `helm@${config.digest}`,
      async () => parseHelmConfig(await client.blob(repository, config, CONFIG_MAX_BYTES)) ?? null,
    );
  }

  /** pack.json from its own layer or from the pack archive; see packJsonLayer for the layouts. */
  async #palettePack(client: OciClient, repository: string, manifest: Manifest, maxBytes: number): Promise<Cached> {
    const layer = packJsonLayer(manifest);
    if (!layer) return null;
    return this.#blob(`pack@${layer.descriptor.digest}`, async () => {
      const blob = await client.blob(repository, layer.descriptor, maxBytes);
      const json = layer.archive ? packJsonFromTar(await untarBytes(blob, maxBytes)) : blob;
      const pack = json && parsePackJson(json);
      if (!pack) return null;
      // The tag, not pack.json, is the source of truth for name and version.
      const { name: _n, version: _v, ...meta } = pack;
      return meta;
    });
  }

  async #blob(key: string, load: () => Promise<Cached>): Promise<Cached> {
    const cached = this.#blobs.get(key);
    if (cached !== undefined) return cached;
    const value = await load();
    this.#blobs.set(key, value);
    return value;
  }
}

/** The pack a repository holds: its last path segment (`spectro-packs/archive/cni-calico` → cni-calico). */
export function packName(repository: string): string {
  return repository.slice(repository.lastIndexOf('/') + 1);
}

/** Catalogue entries under `prefix` (all when it is empty). */
function underPrefix(repositories: string[], prefix: string): string[] {
  return prefix ? repositories.filter((r) => r.startsWith(`${prefix}/`)) : repositories;
}

async function listTags(
  tags: () => Promise<string[]>,
  repository: string,
  explicit: boolean,
  host: string,
): Promise<string[]> {
  try {
    return await tags();
  } catch (err) {
    if (!(err instanceof SourceError) || err.reason !== 'NotFound') throw err;
    // A discovered repository can be deleted between the catalog and its listing; a named one must exist.
    if (!explicit) return [];
    throw new SourceError('NotFound', `repository ${repository} not found at ${host} (${err.message})`);
  }
}

/** A tag deleted between its listing and its HEAD is skipped, like a tag that is not a version. */
function goneTag(err: unknown): undefined {
  if (err instanceof SourceError && err.reason === 'NotFound') return undefined;
  throw err;
}

/**
 * The same tag reached through two repositories of one pack name is one version: keep the first in
 * newest-first order. Two spellings of one version (`v1.2.3`, `1.2.3`) are two published versions.
 */
function dedupe(sorted: Candidate[]): Candidate[] {
  const seen = new Set<string>();
  return sorted.filter((c) => !seen.has(c.version) && !!seen.add(c.version));
}
