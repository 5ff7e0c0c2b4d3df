// Shared by the OCI source tests: sync requests and a request-counting httpGet.
import type { PackRegistrySpec } from '../../../src/api/packregistry.js';
import { httpGet } from '../../../src/sources/http-client.js';
import type { SourceCredentials, SyncRequest } from '../../../src/sources/pack-source.js';
import type { HttpGetFn } from '../../../src/sources/oci/token-service.js';

export function syncRequest(
  spec: Partial<PackRegistrySpec> & { url: string },
  credentials: SourceCredentials & { identityToken?: string } = {},
  previous: SyncRequest['previous'] = {},
): SyncRequest {
  return {
    registryName: 'test',
    spec: { type: 'oci', ...spec } as PackRegistrySpec,
    credentials,
    previous,
    timeoutMs: 60_000,
    signal: new AbortController().signal,
  };
}

export type RequestKind = 'ping' | 'catalog' | 'tags' | 'manifest-head' | 'manifest-get' | 'blob' | 'token' | 'other';

export interface RecordedCall {
  method: string;
  url: string;
  kind: RequestKind;
}

/** What an OCI request is, from its method and path. */
export function kindOf(method: string, url: string): RequestKind {
  const path = new URL(url, 'http://x').pathname;
  if (path === '/v2/') return 'ping';
  if (path === '/v2/_catalog') return 'catalog';
  if (path.endsWith('/tags/list')) return 'tags';
  if (/\/manifests\/[^/]+$/.test(path)) return method === 'HEAD' ? 'manifest-head' : 'manifest-get';
  if (/\/blobs\/[^/]+$/.test(path)) return 'blob';
  if (path === '/token') return 'token';
  return 'other';
}

/** An httpGet that records every call, for the source's `http` option. */
export function countingHttp(): {
  http: HttpGetFn;
  calls: RecordedCall[];
  counts(from?: number): Partial<Record<RequestKind, number>>;
} {
  const calls: RecordedCall[] = [];
  const http: HttpGetFn = (url, opts) => {
    const method = opts?.method ?? 'GET';
    calls.push({ method, url, kind: kindOf(method, url) });
    return httpGet(url, opts);
  };
  return { http, calls, counts: (from = 0) => countKinds(calls.slice(from)) };
}

export function countKinds(calls: { method: string; url: string }[]): Partial<Record<RequestKind, number>> {
  const out: Partial<Record<RequestKind, number>> = {};
  for (const c of calls) {
    const k = kindOf(c.method, c.url);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
