import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { PackRegistrySpec } from '../api/packregistry.js';
import { credentialsFromSecret } from '../sources/credentials.js';
import type { SourceCredentials } from '../sources/pack-source.js';
import { SourceError } from '../sources/source-error.js';
import { UsageError } from './exit-codes.js';

/** Credentials for one registry and, for messages, where they came from: names, never values. */
export interface ResolvedCredentials {
  credentials: SourceCredentials;
  /** e.g. `PACKYARD_REGISTRY_CHARTS_USERNAME/_PASSWORD` or `docker config ~/.docker/config.json`. */
  origin?: string;
  /** Why a credential source that was looked at gave nothing, quoted when the registry then refuses us. */
  hint?: string;
}

/** `PACKYARD_REGISTRY_<NAME>_`: the name upper-cased, every character other than A-Z and 0-9 turned into `_`. */
export function envPrefix(registryName: string): string {
  return `PACKYARD_REGISTRY_${registryName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
}

/**
 * Credentials of a registry read from files, where its Secrets are out of reach: environment
 * variables first (`<prefix>USERNAME` + `<prefix>PASSWORD`, or `<prefix>TOKEN`; TLS material from
 * `<prefix>CA_FILE`, `<prefix>CERT_FILE`, `<prefix>KEY_FILE`), else the docker config's entry for
 * the registry's host (parsed exactly as a `.dockerconfigjson` Secret is), else none.
 */
export function credentialsFromEnvironment(
  name: string,
  spec: PackRegistrySpec,
  env: NodeJS.ProcessEnv,
): ResolvedCredentials {
  const prefix = envPrefix(name);
  const get = (key: string) => (env[prefix + key] === '' ? undefined : env[prefix + key]);
  const username = get('USERNAME');
  const password = get('PASSWORD');
  const token = get('TOKEN');
  const out: ResolvedCredentials = { credentials: {} };
  if (username !== undefined || password !== undefined) {
    if (username === undefined || password === undefined) {
      const [set, unset] = username === undefined ? ['PASSWORD', 'USERNAME'] : ['USERNAME', 'PASSWORD'];
      throw new UsageError(`${prefix}${set} is set but ${prefix}${unset} is not`);
    }
    if (token !== undefined) throw new UsageError(`set either ${prefix}USERNAME/_PASSWORD or ${prefix}TOKEN, not both`);
    out.credentials.auth = { username, password };
    out.origin = `${prefix}USERNAME/_PASSWORD`;
  } else if (token !== undefined) {
    out.credentials.auth = { token };
    out.origin = `${prefix}TOKEN`;
  } else {
    Object.assign(out, fromDockerConfig(spec, env));
  }
  const file = (key: string) => {
    const path = get(key);
    if (path === undefined) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      throw new UsageError(
        `${prefix}${key}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  };
  const ca = file('CA_FILE');
  const cert = file('CERT_FILE');
  const key = file('KEY_FILE');
  if ((cert === undefined) !== (key === undefined))
    throw new UsageError(`set both ${prefix}CERT_FILE and ${prefix}KEY_FILE, or neither`);
  if (ca !== undefined || cert !== undefined) {
    out.credentials.tls = { ...(ca !== undefined && { ca }), ...(cert !== undefined && { cert, key }) };
  }
  if (spec.verify) {
    const verify = verifyKeysFromFiles(spec, get('VERIFY_KEY_FILE'), `${prefix}VERIFY_KEY_FILE`);
    const root = spec.verify.matchOIDCIdentity && file('TRUSTED_ROOT_FILE');
    if (root !== undefined)
      out.credentials.verify = {
        provider: spec.verify.provider,
        source: verify?.source ?? 'spec.verify',
        ...(verify?.entries && { entries: verify.entries }),
        keyless: {
          identities: spec.verify.matchOIDCIdentity!,
          trustedRoot: Buffer.from(root, 'utf8'),
          source: `${prefix}TRUSTED_ROOT_FILE ${get('TRUSTED_ROOT_FILE')}`,
        },
      };
    else out.credentials.verify = verify;
  }
  return out;
}

/**
 * The keys of spec.verify, whose Secret is out of reach offline: `<prefix>VERIFY_KEY_FILE`, one or
 * more files separated by commas (cosign.pub files, or PGP keyrings), read as the Secret's entries.
 * Unset: no keys, and the registry reports InvalidVerifyKeys naming the variable.
 */
function verifyKeysFromFiles(
  spec: PackRegistrySpec,
  paths: string | undefined,
  variable: string,
): SourceCredentials['verify'] {
  if (paths === undefined) return undefined;
  const entries: Record<string, Buffer> = {};
  for (const path of paths
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    try {
      entries[basename(path)] = readFileSync(path);
    } catch (e) {
      throw new UsageError(
        `${variable}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }
  return { provider: spec.verify!.provider, entries, source: variable };
}

/** Where docker (and helm, and oras) keep registry logins. */
export function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG
    ? join(env.DOCKER_CONFIG, 'config.json')
    : join(env.HOME ?? homedir(), '.docker', 'config.json');
}

/** The docker config's entry for the registry's host, alone (`pack push` without a registry name). */
export function credentialsFromDockerConfig(url: string, env: NodeJS.ProcessEnv): ResolvedCredentials {
  const found = fromDockerConfig({ type: 'oci', url } as PackRegistrySpec, env);
  return { ...found, credentials: found.credentials ?? {} };
}

function fromDockerConfig(
  spec: PackRegistrySpec,
  env: NodeJS.ProcessEnv,
): Omit<ResolvedCredentials, 'credentials'> & { credentials?: SourceCredentials } {
  const path = dockerConfigPath(env);
  if (!existsSync(path)) return {};
  const host = new URL(spec.url.replace(/^oci:\/\//, 'https://')).host;
  const data = { '.dockerconfigjson': readFileSync(path).toString('base64') };
  try {
    // The Secret parser names the file, keys and hosts in its messages, never a value.
    return { credentials: credentialsFromSecret(data, host, path), origin: `docker config ${path}` };
  } catch (e) {
    if (!(e instanceof SourceError)) throw e;
    return { hint: e.message };
  }
}
