import { readHelmVersion, type HelmVersion } from '../../resolve/helm-version.js';
import { SourceError } from '../source-error.js';

/** Where an `oci://host[:port][/base]` registry lives. */
export interface OciRegistryUrl {
  /** `host[:port]` as written, for `oci://` URLs and .dockerconfigjson lookups. */
  host: string;
  /** The repository path prefix under the registry, without slashes at either end; '' for none. */
  basePath: string;
  /** `https://host[:port]`, or `http://…` for a loopback host (see `parseOciUrl`). */
  origin: string;
}

/**
 * Parses a PackRegistry's `oci://` URL. The transport is https, except for loopback hosts
 * (127.0.0.0/8, ::1, localhost) without TLS settings, which get plain http as local registries and
 * CI use them (Docker and Helm treat localhost the same way). There is no spec field to allow plain
 * http anywhere else: credentials and content must not cross a network in clear text.
 */
export function parseOciUrl(url: string, opts: { tls?: boolean } = {}): OciRegistryUrl {
  const parsed = URL.parse(url.replace(/^oci:\/\//i, 'https://'));
  if (!/^oci:\/\//i.test(url) || !parsed || parsed.username || parsed.password || parsed.search || parsed.hash) {
    throw new SourceError('FetchFailed', `${JSON.stringify(url)} is not an oci://host[:port][/path] URL`);
  }
  const scheme = isLoopback(parsed.hostname) && !opts.tls ? 'http' : 'https';
  return {
    host: parsed.host,
    basePath: parsed.pathname.replace(/^\/+|\/+$/g, ''),
    origin: `${scheme}://${parsed.host}`,
  };
}

/** 127.0.0.0/8, ::1 and localhost: the only hosts reached over plain http. */
export function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * A tag as a chart version: Helm stores `+` (not allowed in tags) as `_`, so `1.2.3_build.5` is the
 * version 1.2.3+build.5. That string, and nothing rewritten, is the published version; it is read
 * as Helm reads versions (helm-version.ts: `v1.2` and `3.5.0079` are versions); tags that are not
 * versions (`latest`, `main`, sha-…) give undefined.
 */
export function tagVersion(tag: string): { version: string; helm: HelmVersion } | undefined {
  const version = tag.replaceAll('_', '+');
  const helm = readHelmVersion(version);
  return helm && { version, helm };
}

/** `a/b` joined under `base`, without empty segments. */
export function joinPath(...parts: (string | undefined)[]): string {
  return parts
    .flatMap((p) => (p ?? '').split('/'))
    .filter(Boolean)
    .join('/');
}
