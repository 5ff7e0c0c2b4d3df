import type { KubernetesObject } from '@kubernetes/client-node';
import type { PackRegistrySpec } from '../api/packregistry.js';
import { TRUSTED_ROOT_KEY } from '../api/names.js';
import type { TrustedRootReference } from '../api/verification.js';
import { credentialsFromSecret, tlsFromSecrets } from './credentials.js';
import type { TlsOptions } from './http-agents.js';
import type { SourceCredentials } from './pack-source.js';
import { SourceError } from './source-error.js';

export type SecretObject = KubernetesObject & { data?: Record<string, string> };
export type ConfigMapObject = KubernetesObject & { data?: Record<string, string>; binaryData?: Record<string, string> };

/** Names of every Secret a registry reads, so a change to one of them re-syncs it. */
export function secretNamesOf(spec: PackRegistrySpec): string[] {
  const root = spec.verify?.trustedRootRef;
  return [
    spec.secretRef?.name,
    spec.tls?.caSecretRef?.name,
    spec.tls?.clientCertSecretRef?.name,
    spec.verify?.secretRef?.name,
    root?.kind === 'Secret' ? root.name : undefined,
  ].filter((n): n is string => Boolean(n));
}

/** Names of the ConfigMaps a registry reads (a keyless trusted root), so a change re-syncs it. */
export function configMapNamesOf(spec: PackRegistrySpec): string[] {
  const root = spec.verify?.trustedRootRef;
  return root?.kind === 'ConfigMap' ? [root.name] : [];
}

/**
 * The credentials and TLS material of a registry, read from Secrets in the operator's namespace
 * (through the informer cache, so a rotated password is used on the next sync without a restart),
 * and a keyless trusted root from a ConfigMap or Secret there.
 */
export function registryCredentials(
  spec: PackRegistrySpec,
  getSecret: (name: string) => SecretObject | undefined,
  namespace: string,
  getConfigMap: (name: string) => ConfigMapObject | undefined = () => undefined,
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
    const { secretRef, matchOIDCIdentity, trustedRootRef } = spec.verify;
    const entries =
      secretRef &&
      Object.fromEntries(Object.entries(data(secretRef.name)).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
    credentials.verify = {
      provider: spec.verify.provider,
      ...(entries && { entries }),
      source: secretRef ? `Secret ${namespace}/${secretRef.name}` : 'spec.verify',
      ...(matchOIDCIdentity &&
        trustedRootRef && {
          keyless: {
            identities: matchOIDCIdentity,
            trustedRoot: trustedRootBytes(trustedRootRef, getSecret, getConfigMap, namespace),
            source: `${trustedRootRef.kind} ${namespace}/${trustedRootRef.name} key ${trustedRootRef.key ?? TRUSTED_ROOT_KEY}`,
          },
        }),
    };
  }
  return credentials;
}

/** The TrustedRoot JSON a trustedRootRef names; a missing object or key is InvalidTrustedRoot, naming which. */
function trustedRootBytes(
  ref: TrustedRootReference,
  getSecret: (name: string) => SecretObject | undefined,
  getConfigMap: (name: string) => ConfigMapObject | undefined,
  namespace: string,
): Buffer {
  const key = ref.key ?? TRUSTED_ROOT_KEY;
  const where = `${ref.kind} ${namespace}/${ref.name}`;
  if (ref.kind === 'Secret') {
    const value = getSecret(ref.name);
    if (!value) throw new SourceError('InvalidTrustedRoot', `trusted root ${where} not found`);
    const b64 = value.data?.[key];
    if (b64 === undefined) throw new SourceError('InvalidTrustedRoot', `trusted root ${where} has no key ${key}`);
    return Buffer.from(b64, 'base64');
  }
  const map = getConfigMap(ref.name);
  if (!map) throw new SourceError('InvalidTrustedRoot', `trusted root ${where} not found`);
  const text = map.data?.[key];
  const binary = map.binaryData?.[key];
  if (text === undefined && binary === undefined)
    throw new SourceError('InvalidTrustedRoot', `trusted root ${where} has no key ${key}`);
  return text !== undefined ? Buffer.from(text, 'utf8') : Buffer.from(binary!, 'base64');
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
