import { createHash } from 'node:crypto';
import { DEFAULT_MAX_INDEX_SIZE } from '../api/names.js';
import type { SyncResult } from './catalog.js';
import { parseHelmIndexYielding } from './helm-index.js';
import { httpGet, type HttpResponse } from './http-client.js';
import type { PackSource, SyncRequest } from './pack-source.js';
import { syncTls } from './registry-credentials.js';
import { credentialKey, SingleFlight } from './single-flight.js';
import { SourceError } from './source-error.js';
import { mapLimit } from './oci/concurrency.js';
import { materialFingerprint, NO_KEYS } from './verify/verify-material.js';
import { VerificationCache } from './verify/verification-cache.js';
import type { CatalogPack } from './catalog.js';

/** Provenance files (and archives) fetched at once during a verifying sync. */
const VERIFY_CONCURRENCY = 8;

/**
 * Where Helm looks for a repository's index: `index.yaml` joined to the URL's path (Go's path.Join:
 * no trailing or doubled slashes), its query kept (a signed URL's token), as Helm's
 * ChartRepository.DownloadIndexFile and Flux build it.
 */
export function indexUrl(repoUrl: string): string {
  const url = new URL(repoUrl);
  url.pathname = `${url.pathname.replace(/\/{2,}/g, '/').replace(/\/$/, '')}/index.yaml`;
  url.hash = '';
  return url.href;
}

/**
 * A Helm chart repository. Frugal: a conditional GET (a 304 ends the sync), then the body's sha256
 * against the last revision (equal ends it too), and only then a parse. Registries that point at the
 * same repository with the same credentials share one in-flight fetch.
 */
export class HelmRepositorySource implements PackSource {
  private readonly inflight = new SingleFlight<string, HttpResponse>();
  private readonly verification = new VerificationCache();

  constructor(private readonly http: typeof httpGet = httpGet) {}

  async sync({ spec, credentials, previous, timeoutMs, signal }: SyncRequest): Promise<SyncResult> {
    const url = indexUrl(spec.url);
    const tls = syncTls(spec, credentials);
    const maxBytes = spec.maxIndexSize ?? DEFAULT_MAX_INDEX_SIZE;
    const material = spec.verify ? credentials.verify : undefined;
    if (spec.verify && !material) throw new SourceError('InvalidVerifyKeys', NO_KEYS);
    const fingerprint = material && materialFingerprint(material);
    // An unchanged index can still need verifying again (new keys): a verifying sync asks unconditionally.
    const etag = fingerprint ? undefined : previous.etag;
    const lastModified = fingerprint ? undefined : previous.lastModified;
    const key = JSON.stringify([url, etag ?? '', maxBytes, credentialKey(credentials.auth, tls)]);
    const response = await this.inflight.do(key, () =>
      this.http(url, {
        auth: credentials.auth,
        tls,
        etag,
        lastModified,
        maxBytes,
        timeoutMs,
        signal,
        accept: 'application/yaml, text/yaml, */*',
      }),
    );
    if (response.notModified) return { changed: false, etag: response.etag ?? previous.etag };
    const revision = fingerprint
      ? `sha256:${createHash('sha256').update(`${response.sha256}\nverify ${fingerprint}\n`).digest('hex')}`
      : `sha256:${response.sha256}`;
    if (revision === previous.revision) return { changed: false, etag: response.etag };
    const { packs, skippedVersions } = await parseHelmIndexYielding(response.body, {
      repoUrl: spec.url,
      filter: spec.filter,
    });
    if (material && fingerprint) {
      // Loaded here: OpenPGP.js costs a few MiB that registries without spec.verify never need.
      const { verifyProvenance } = await import('./verify/helm-provenance.js');
      const keys = await this.verification.keys(material, fingerprint);
      if (keys.provider !== 'helm')
        throw new SourceError(
          'InvalidVerifyKeys',
          `a helm repository verifies with helm provenance, not ${keys.provider}`,
        );
      const fetch = {
        http: this.http,
        auth: credentials.auth,
        repoOrigin: new URL(url).origin,
        tls,
        timeoutMs,
        signal,
        maxArchiveBytes: maxBytes,
      };
      await mapLimit(versionsOf(packs), VERIFY_CONCURRENCY, async (v) => {
        const chartUrl = v.urls?.[0];
        if (!chartUrl) {
          v.verification = { state: 'Unsigned', reason: 'the index lists no URL for this version' };
          return;
        }
        const check = () => verifyProvenance(chartUrl, keys.keys, fetch);
        // Without a digest in the index there is nothing to key a result by: check every time.
        v.verification = v.digest
          ? await this.verification.verify(fingerprint, chartUrl, v.digest, check)
          : await check();
      });
    }
    return {
      changed: true,
      revision,
      etag: response.etag,
      lastModified: response.lastModified,
      packs,
      skippedVersions,
    };
  }
}

function versionsOf(packs: CatalogPack[]) {
  return packs.flatMap((p) => p.versions);
}
