import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What client-node's KubeConfig imports at the top but calls only for some kubeconfigs or never in the
 * operator, loaded at first use instead: undici (its Agent, ProxyAgent and fetch; the operator sends
 * requests through src/controller/apiserver-transport.ts), openid-client (OIDC token refresh),
 * jsonpath-plus (the Azure and GCP auth providers), socks and socks-proxy-agent (socks5 proxy-url) and
 * hpagent (http proxy-url). Together they cost an idle process about 12 MiB. slim-hooks points
 * client-node's imports of these packages here; one module serves them all, as their export names differ.
 * Each export hands out the real thing (require loads CommonJS, and ES modules without top-level await).
 */
const require = createRequire(import.meta.url);
// Each is resolved from client-node's own place (the copy it would have loaded) and required from here,
// where slim-hooks does not redirect it back to this module.
const clientNodeDist = dirname(fileURLToPath(import.meta.resolve('@kubernetes/client-node/dist/config.js')));
function lazy<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(require.resolve(id, { paths: [clientNodeDist] })) as T);
}

/** The packages this module stands in for, when client-node's modules import them. */
export const LAZY_DEPENDENCIES: ReadonlySet<string> = new Set([
  'undici',
  'openid-client',
  'jsonpath-plus',
  'socks',
  'socks-proxy-agent',
  'hpagent',
]);

const undici = lazy<typeof import('undici')>('undici');
const openid = lazy<typeof import('openid-client')>('openid-client');
const jsonpath = lazy<typeof import('jsonpath-plus')>('jsonpath-plus');
const socks = lazy<typeof import('socks')>('socks');
const socksAgent = lazy<typeof import('socks-proxy-agent')>('socks-proxy-agent');
const hpagent = lazy<typeof import('hpagent')>('hpagent');

/** A constructor that builds the real class of `load()` (a constructor may return another object). */
function lazyClass<C extends abstract new (...args: never[]) => object>(load: () => C): C {
  return function (...args: ConstructorParameters<C>) {
    return new (load() as unknown as new (...a: ConstructorParameters<C>) => object)(...args);
  } as unknown as C;
}

export const Agent = lazyClass(() => undici().Agent);
export const ProxyAgent = lazyClass(() => undici().ProxyAgent);
export const fetch: typeof import('undici').fetch = (...args) => undici().fetch(...args);

export const refreshTokenGrant: typeof import('openid-client').refreshTokenGrant = (...args) =>
  openid().refreshTokenGrant(...args);

export const JSONPath = ((...args: unknown[]) =>
  (jsonpath().JSONPath as (...a: unknown[]) => unknown)(...args)) as unknown as typeof import('jsonpath-plus').JSONPath;

export const SocksClient = {
  createConnection: (...args: Parameters<typeof import('socks').SocksClient.createConnection>) =>
    socks().SocksClient.createConnection(...args),
};
export const SocksProxyAgent = lazyClass(() => socksAgent().SocksProxyAgent);
export const HttpProxyAgent = lazyClass(() => hpagent().HttpProxyAgent);
export const HttpsProxyAgent = lazyClass(() => hpagent().HttpsProxyAgent);
