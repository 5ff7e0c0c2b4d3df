import type { TlsOptions } from './http-agents.js';
import type { HttpAuth } from './http-client.js';
import { SourceError } from './source-error.js';

/** A V1Secret's `data`: base64 values. */
export type SecretData = Record<string, string>;

export interface RegistryCredentials {
  auth?: HttpAuth;
  /**
   * A `.dockerconfigjson` identitytoken: an OAuth2 refresh token the OCI client exchanges at the
   * registry's token endpoint; it is not a bearer token and must not be sent as one.
   */
  identityToken?: string;
  /** ca.crt / tls.crt / tls.key found in the same Secret (Flux's older single-Secret layout). */
  tls?: TlsOptions;
}

const decode = (v: string) => Buffer.from(v, 'base64').toString('utf8');

function missing(secret: string, what: string): SourceError {
  return new SourceError('SecretNotFound', `Secret ${secret} ${what}`);
}

/**
 * Credentials for `registryHost` (host or host:port) from a PackRegistry's secretRef: `username` +
 * `password`, `token`, or `.dockerconfigjson`. Messages name keys, never values.
 */
export function credentialsFromSecret(
  data: SecretData,
  registryHost: string,
  secretName = '(secretRef)',
): RegistryCredentials {
  const has = (k: string) => typeof data[k] === 'string';
  const out: RegistryCredentials = {};
  if (has('username') || has('password')) {
    if (!has('username')) throw missing(secretName, 'has key password but no key username');
    if (!has('password')) throw missing(secretName, 'has key username but no key password');
    out.auth = { username: decode(data.username!), password: decode(data.password!) };
  } else if (has('token')) {
    out.auth = { token: decode(data.token!) };
  } else if (has('.dockerconfigjson')) {
    Object.assign(out, fromDockerConfig(decode(data['.dockerconfigjson']!), registryHost, secretName));
  }
  if (has('ca.crt') || has('tls.crt') || has('tls.key'))
    out.tls = tlsFromSecrets({ clientCert: data }, { clientCert: secretName });
  if (!out.auth && !out.identityToken && !out.tls) {
    throw missing(secretName, 'has none of the keys username/password, token or .dockerconfigjson');
  }
  return out;
}

interface DockerAuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

// Docker Hub is known by several names; docker login writes the oldest.
const DOCKER_HUB = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];

/** "https://Host:443/v1/" → { host: "host:443", hostname: "host" }. */
function normaliseHost(key: string): { host: string; hostname: string } {
  const host = key
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return { host, hostname: host.replace(/:\d+$/, '') };
}

function fromDockerConfig(json: string, registryHost: string, secretName: string): RegistryCredentials {
  let auths: Record<string, DockerAuthEntry>;
  try {
    const parsed = JSON.parse(json) as { auths?: unknown };
    if (!parsed || typeof parsed.auths !== 'object' || parsed.auths === null) throw new Error();
    auths = parsed.auths as Record<string, DockerAuthEntry>;
  } catch {
    // JSON.parse's own message quotes the input: it must not reach a condition.
    throw missing(secretName, 'key .dockerconfigjson is not a JSON object with "auths"');
  }
  const want = normaliseHost(registryHost);
  const alias = (h: string) => (DOCKER_HUB.includes(h) ? 'docker.io' : h);
  const keys = Object.keys(auths);
  // Exact host[:port] first; then the same hostname where one side leaves the port implicit.
  const key =
    keys.find((k) => alias(normaliseHost(k).host) === alias(want.host)) ??
    keys.find((k) => {
      const n = normaliseHost(k);
      return alias(n.hostname) === alias(want.hostname) && (n.host === n.hostname || want.host === want.hostname);
    });
  if (key === undefined) {
    throw missing(
      secretName,
      `key .dockerconfigjson has no auths entry for ${want.host} (entries: ${keys.map((k) => normaliseHost(k).host).join(', ') || 'none'})`,
    );
  }
  const e = auths[key] ?? {};
  const out: RegistryCredentials = {};
  if (e.registrytoken) {
    out.auth = { token: e.registrytoken };
  } else if (e.username !== undefined && e.password) {
    out.auth = { username: e.username, password: e.password };
  } else if (e.auth) {
    const pair = decode(e.auth);
    const colon = pair.indexOf(':');
    if (colon < 0)
      throw missing(
        secretName,
        `key .dockerconfigjson entry ${want.host} has an "auth" that is not base64 of user:password`,
      );
    if (colon < pair.length - 1) out.auth = { username: pair.slice(0, colon), password: pair.slice(colon + 1) };
  }
  if (e.identitytoken) out.identityToken = e.identitytoken;
  if (!out.auth && !out.identityToken) {
    throw missing(
      secretName,
      `key .dockerconfigjson entry ${want.host} has no auth, username/password, identitytoken or registrytoken`,
    );
  }
  return out;
}

/**
 * TLS material from `tls.caSecretRef` (ca.crt) and `tls.clientCertSecretRef` (tls.crt + tls.key,
 * and ca.crt when no CA Secret is given, as cert-manager writes it).
 */
export function tlsFromSecrets(
  secrets: { ca?: SecretData; clientCert?: SecretData },
  names: { ca?: string; clientCert?: string } = {},
): TlsOptions {
  const out: TlsOptions = {};
  const caName = names.ca ?? '(tls.caSecretRef)';
  const certName = names.clientCert ?? '(tls.clientCertSecretRef)';
  if (secrets.ca) {
    if (secrets.ca['ca.crt'] === undefined) throw missing(caName, 'has no key ca.crt');
    out.ca = pem(secrets.ca['ca.crt'], caName, 'ca.crt');
  }
  const cc = secrets.clientCert;
  if (cc) {
    const hasCert = cc['tls.crt'] !== undefined;
    const hasKey = cc['tls.key'] !== undefined;
    if (hasCert !== hasKey) throw missing(certName, `has no key ${hasCert ? 'tls.key' : 'tls.crt'}`);
    if (!hasCert && (cc['ca.crt'] === undefined || secrets.ca))
      throw missing(certName, 'has no keys tls.crt and tls.key');
    if (hasCert) {
      out.cert = pem(cc['tls.crt']!, certName, 'tls.crt');
      out.key = pem(cc['tls.key']!, certName, 'tls.key');
    }
    if (!secrets.ca && cc['ca.crt'] !== undefined) out.ca = pem(cc['ca.crt'], certName, 'ca.crt');
  }
  return out;
}

function pem(b64: string, secret: string, key: string): string {
  const text = decode(b64);
  if (!text.includes('-----BEGIN ')) throw new SourceError('TLSError', `Secret ${secret} key ${key} is not PEM`);
  return text;
}
