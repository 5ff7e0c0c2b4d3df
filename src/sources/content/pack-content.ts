import { createHash } from 'node:crypto';
import { parseGoDuration } from '../../api/duration.js';
import type { PackRegistrySpec } from '../../api/packregistry.js';
import type { PackVersion } from '../../api/pack.js';
import { httpGet, type TlsOptions } from '../http-client.js';
import { safeUrl } from '../http-errors.js';
import { OciClient } from '../oci/oci-client.js';
import { HELM_CHART_LAYER } from '../oci/media-types.js';
import { packJsonLayer } from '../oci/palette-pack.js';
import { parseOciUrl } from '../oci/reference.js';
import { TokenService, type HttpGetFn } from '../oci/token-service.js';
import type { SourceCredentials } from '../pack-source.js';
import { SingleFlight } from '../single-flight.js';
import { DEFAULT_ARCHIVE_LIMITS, readArchive, type ArchiveLimits } from './archive.js';
import { ContentCache } from './content-cache.js';
import { ContentError } from './content-error.js';
import { SELECTIONS, type ContentKind, type PackFiles } from './pack-files.js';
import { syncTls } from '../registry-credentials.js';

/** Largest chart or pack archive downloaded. Charts are kilobytes; Palette packs with images inside reach tens of MB. */
export const DEFAULT_MAX_ARCHIVE_BYTES = 128 * 1024 * 1024;

export interface PackContentOptions {
  cache?: ContentCache;
  limits?: Partial<ArchiveLimits> & { maxArchiveBytes?: number };
  /** httpGet or a wrapper (tests count requests and bytes through one). */
  http?: HttpGetFn;
  /** One download's time; by default the registry's own `spec.timeout`, as its syncs have. */
  timeoutMs?: number;
}

/** One resolved version to read: where it lives and who may read it. */
export interface ContentRequest {
  registry: { spec: PackRegistrySpec; credentials: SourceCredentials };
  chart: string;
  version: PackVersion;
  signal?: AbortSignal;
}

/**
 * Reads the files values need from the archive of one resolved version — a Helm .tgz from the
 * repository, the chart layer of an OCI chart, the archive layer of a Palette pack — by digest:
 * verified against it, read within the archive limits, and cached by it, so an unchanged digest is
 * downloaded once (once per cache volume, when the cache has a directory). Only chosen versions are
 * read, never the catalogue.
 */
export class PackContentSource {
  readonly cache: ContentCache;
  readonly #limits: ArchiveLimits & { maxArchiveBytes: number };
  readonly #inflight = new SingleFlight<string, PackFiles>();
  readonly #tokens = new TokenService();
  readonly #http: HttpGetFn;

  constructor(private readonly opts: PackContentOptions = {}) {
    this.cache = opts.cache ?? new ContentCache();
    this.#limits = { ...DEFAULT_ARCHIVE_LIMITS, maxArchiveBytes: DEFAULT_MAX_ARCHIVE_BYTES, ...opts.limits };
    this.#http = opts.http ?? httpGet;
  }

  async files(req: ContentRequest): Promise<PackFiles> {
    const kind: ContentKind =
      req.registry.spec.type === 'oci' && req.registry.spec.oci?.content === 'pack' ? 'palette' : 'helm';
    const digest = req.version.digest;
    const url = req.version.urls?.[0];
    if (!url) throw new ContentError(`${req.chart} ${req.version.version} lists no URL to download it from`);
    // Without a digest a Helm index still names one archive per version: key by its URL for this process.
    const key = digest ? `${kind}@${digest}` : `${kind}@url:${url}`;
    const cached = await this.cache.get(key);
    if (cached) return cached;
    return this.#inflight.do(key, async () => {
      const archive = await this.#download(req, kind, url);
      const what = `${req.chart} ${req.version.version}`;
      const raw = await readArchive(archive.bytes, SELECTIONS[kind], this.#limits, what);
      const files: PackFiles = { kind, digest: digest ?? archive.digest, files: {} };
      for (const [path, data] of raw) files.files[path] = data.toString('utf8');
      if (kind === 'helm' && files.files['Chart.yaml'] === undefined)
        throw new ContentError(`${what}: the archive holds no Chart.yaml; not a Helm chart`);
      await this.cache.set(key, files).catch(() => undefined); // a full or read-only volume costs a download later, nothing more
      return files;
    });
  }

  async #download(req: ContentRequest, kind: ContentKind, url: string): Promise<{ bytes: Buffer; digest: string }> {
    const { spec, credentials } = req.registry;
    const tls = syncTls(spec, credentials);
    const maxBytes = this.#limits.maxArchiveBytes;
    // The registry's timeout, as Flux downloads a chart within its HelmRepository's: a registry that hangs
    // holds every profile waiting on one of its archives (a new leader's workers, all of them) that long.
    const timeoutMs = this.opts.timeoutMs ?? parseGoDuration(spec.timeout ?? '60s');
    if (url.startsWith('oci://')) return this.#ociLayer(req, kind, url, tls, maxBytes, timeoutMs);
    const absolute = new URL(url, `${spec.url.replace(/\/+$/, '')}/`);
    // Helm sends the repository's credentials to a chart URL of the same scheme and host only
    // (pass-credentials off): never to another host, nor in clear text to an http:// URL on its own.
    const sameOrigin = absolute.origin === new URL(spec.url).origin;
    const res = await this.#http(absolute.href, {
      ...(sameOrigin && credentials.auth && { auth: credentials.auth }),
      tls,
      maxBytes,
      timeoutMs,
      signal: req.signal,
      accept: 'application/gzip, application/octet-stream, */*',
    });
    if (res.notModified) throw new ContentError(`GET ${safeUrl(absolute.href)}: unexpected 304`);
    const actual = `sha256:${res.sha256}`;
    if (req.version.digest && req.version.digest !== actual) {
      throw new ContentError(
        `GET ${safeUrl(absolute.href)}: the archive does not match the index's digest ${req.version.digest} (got ${actual})`,
      );
    }
    return { bytes: res.body, digest: actual };
  }

  async #ociLayer(
    req: ContentRequest,
    kind: ContentKind,
    url: string,
    tls: TlsOptions,
    maxBytes: number,
    timeoutMs: number,
  ) {
    const { spec, credentials } = req.registry;
    const m = /^oci:\/\/([^/]+)\/(.+?)(?::([^:/@]+))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(url);
    if (!m) throw new ContentError(`${JSON.stringify(url)} is not an oci://host/repository:tag reference`);
    const [, host, repository, tag] = m as unknown as [string, string, string, string | undefined];
    const secure = !!(
      spec.tls?.caSecretRef ||
      spec.tls?.clientCertSecretRef ||
      tls.insecureSkipVerify ||
      tls.ca ||
      tls.cert
    );
    const origin = parseOciUrl(`oci://${host}`, { tls: secure }).origin;
    // The credentials are the registry's own: an oci:// URL that a Helm index (anyone who can publish
    // to it) names on another host, or in a Helm repository at all, is read anonymously, as Helm does.
    const own = spec.type === 'oci' && parseOciUrl(spec.url, { tls: secure }).origin === origin;
    const client = new OciClient({
      origin,
      credentials: own
        ? { auth: credentials.auth, identityToken: (credentials as { identityToken?: string }).identityToken }
        : {},
      tls,
      timeoutMs,
      signal: req.signal,
      tokens: this.#tokens,
      maxBytes,
      http: this.#http,
    });
    // By digest when the catalogue has one: a tag moved since the sync does not change what was resolved.
    const reference = req.version.digest ?? m[4] ?? tag;
    if (!reference) throw new ContentError(`${url} names no tag or digest`);
    const { manifest, digest } = await client.manifest(repository, reference);
    const layer =
      kind === 'helm'
        ? manifest.layers?.find((l) => l.mediaType === HELM_CHART_LAYER)
        : packJsonLayer(manifest)?.descriptor;
    if (!layer || (kind === 'palette' && !packJsonLayer(manifest)?.archive)) {
      throw new ContentError(
        `${url}: the manifest has no ${kind === 'helm' ? 'Helm chart layer' : 'pack archive layer'}`,
      );
    }
    const bytes = await client.blob(repository, layer, maxBytes);
    return { bytes, digest: digest ?? `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
  }
}
