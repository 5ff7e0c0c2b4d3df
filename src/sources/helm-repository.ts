import { DEFAULT_MAX_INDEX_SIZE } from '../api/names.js';
import type { SyncResult } from './catalog.js';
import { parseHelmIndex } from './helm-index.js';
import { httpGet, type HttpResponse } from './http-client.js';
import type { PackSource, SyncRequest } from './pack-source.js';
import { credentialKey, SingleFlight } from './single-flight.js';

/** Where Helm looks for a repository's index: `<url>/index.yaml`. */
export function indexUrl(repoUrl: string): string {
  return `${repoUrl.replace(/\/+$/, '')}/index.yaml`;
}

/**
 * A Helm chart repository. Frugal: a conditional GET (a 304 ends the sync), then the body's sha256
 * against the last revision (equal ends it too), and only then a parse. Registries that point at the
 * same repository with the same credentials share one in-flight fetch.
 */
export class HelmRepositorySource implements PackSource {
  private readonly inflight = new SingleFlight<string, HttpResponse>();

  async sync({ spec, credentials, previous, timeoutMs, signal }: SyncRequest): Promise<SyncResult> {
    const url = indexUrl(spec.url);
    const tls = { ...credentials.tls, insecureSkipVerify: spec.tls?.insecureSkipVerify ?? credentials.tls?.insecureSkipVerify };
    const maxBytes = spec.maxIndexSize ?? DEFAULT_MAX_INDEX_SIZE;
    const key = JSON.stringify([url, previous.etag ?? '', maxBytes, credentialKey(credentials.auth, tls)]);
    const response = await this.inflight.do(key, () =>
      httpGet(url, {
        auth: credentials.auth,
        tls,
        etag: previous.etag,
        lastModified: previous.lastModified,
        maxBytes,
        timeoutMs,
        signal,
        accept: 'application/yaml, text/yaml, */*',
      }),
    );
    if (response.notModified) return { changed: false, etag: response.etag ?? previous.etag };
    const revision = `sha256:${response.sha256}`;
    if (revision === previous.revision) return { changed: false, etag: response.etag };
    const { packs, skippedVersions } = parseHelmIndex(response.body, { repoUrl: spec.url, filter: spec.filter });
    return { changed: true, revision, etag: response.etag, lastModified: response.lastModified, packs, skippedVersions };
  }
}
