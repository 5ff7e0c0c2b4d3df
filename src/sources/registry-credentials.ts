import type { KubernetesObject } from '@kubernetes/client-node';
import type { PackRegistrySpec } from '../api/packregistry.js';
import { credentialsFromSecret, tlsFromSecrets } from './credentials.js';
import type { TlsOptions } from './http-agents.js';
import type { SourceCredentials } from './pack-source.js';
import { SourceError } from './source-error.js';

export type SecretObject = KubernetesObject & { data?: Record<string, string> };

/** Names of every Secret a registry reads, so a change to one of them re-syncs it. */
export function secretNamesOf(spec: PackRegistrySpec): string[] {
  return [
    spec.secretRef?.name,
    spec.tls?.caSecretRef?.name,
    spec.tls?.clientCertSecretRef?.name,
    spec.verify?.secretRef.name,
  ].filter((n): n is string => Boolean(n));
}

/**
 * The credentials and TLS material of a registry, read from Secrets in the operator's namespace
 * (through the informer cache, so a rotated password is used on the next sync without a restart).
 */
export function registryCredentials(
  spec: PackRegistrySpec,
  getSecret: (name: string) => SecretObject | undefined,
  namespace: string,
): SourceCredentials {
  const data = (name: string): Record<string, string> => {
    const secret = getSecret(name);
    if (!secret) throw new SourceError('SecretNotFound', `Secret ${namespace}/${name} not found`);
    return secret.data ?? {};
  };
  const host = registryHost(spec.url);
  const credentials: SourceCredentials = spec.secretRef ? credentialsFromSecret(data(spec.secretRef.name), host) : {};
  const ca = spec.tls?.caSecretRef ? data(spec.tls.caSecretRef.name) : undefined;
  const clientCert = spec.tls?.clientCertSecretRef ? data(spec.tls.clientCertSecretRef.name) : undefined;
  if (ca || clientCert) credentials.tls = { ...credentials.tls, ...tlsFromSecrets({ ca, clientCert }) };
  if (spec.verify) {
    const entries = Object.fromEntries(
      Object.entries(data(spec.verify.secretRef.name)).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
    );
    credentials.verify = {
      provider: spec.verify.provider,
      entries,
      source: `Secret ${namespace}/${spec.verify.secretRef.name}`,
    };
  }
  return credentials;
}

/**
 * The TLS options a sync uses: the material of the credentials (Secrets, or the CLI's files), with
 * spec.tls.insecureSkipVerify deciding verification when it is set.
 */
export function syncTls(spec: PackRegistrySpec, credentials: SourceCredentials): TlsOptions {
  return {
    ...credentials.tls,
    insecureSkipVerify: spec.tls?.insecureSkipVerify ?? credentials.tls?.insecureSkipVerify,
  };
}

function registryHost(url: string): string {
  return new URL(url.replace(/^oci:\/\//, 'https://')).host;
}
