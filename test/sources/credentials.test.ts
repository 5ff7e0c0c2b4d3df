import fc from 'fast-check';
import { credentialsFromSecret, tlsFromSecrets, type SecretData } from '../../src/sources/credentials.js';
import type { PackRegistrySpec } from '../../src/api/packregistry.js';
import { configMapNamesOf, registryCredentials, secretNamesOf } from '../../src/sources/registry-credentials.js';
import { SourceError } from '../../src/sources/source-error.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (plain: Record<string, string>): SecretData =>
  Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, b64(v)]));
const dockerconfig = (auths: Record<string, unknown>) => secret({ '.dockerconfigjson': JSON.stringify({ auths }) });
const PEM = (what: string) => `-----BEGIN ${what}-----\nMIIB\n-----END ${what}-----\n`;

function failure(fn: () => unknown): SourceError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SourceError) return e;
    throw e;
  }
  throw new Error('expected a SourceError');
}

describe('credentialsFromSecret', () => {
  it('reads username/password and token', () => {
    expect(credentialsFromSecret(secret({ username: 'u', password: 'p:w' }), 'h')).toEqual({
      auth: { username: 'u', password: 'p:w' },
    });
    expect(credentialsFromSecret(secret({ token: 't0k' }), 'h')).toEqual({ auth: { token: 't0k' } });
  });

  it('names the missing key, never a value', () => {
    const e = failure(() => credentialsFromSecret(secret({ username: 'bob' }), 'h', 'packyard-system/repo-creds'));
    expect(e.reason).toBe('SecretNotFound');
    expect(e.message).toBe('Secret packyard-system/repo-creds has key username but no key password');
    expect(failure(() => credentialsFromSecret(secret({ password: 'sekrit' }), 'h')).message).not.toContain('sekrit');
    expect(failure(() => credentialsFromSecret({}, 'h', 's')).message).toBe(
      'Secret s has none of the keys username/password, token or .dockerconfigjson',
    );
  });

  it('picks the .dockerconfigjson entry for the host in any of the usual spellings', () => {
    const auth = b64('robot$ci:pa:ss');
    const cases: [string, string][] = [
      ['ghcr.io', 'ghcr.io'],
      ['https://ghcr.io', 'ghcr.io'],
      ['https://ghcr.io/v2/', 'ghcr.io'],
      ['registry.local:5000', 'registry.local:5000'],
      ['http://registry.local:5000', 'registry.local:5000'],
      ['ghcr.io:443', 'ghcr.io'],
      ['GHCR.IO', 'ghcr.io'],
      ['https://index.docker.io/v1/', 'registry-1.docker.io'],
    ];
    for (const [key, host] of cases) {
      expect(credentialsFromSecret(dockerconfig({ 'other.io': { auth: b64('x:y') }, [key]: { auth } }), host)).toEqual({
        auth: { username: 'robot$ci', password: 'pa:ss' },
      });
    }
  });

  it('prefers the exact host:port entry and does not cross ports', () => {
    const s = dockerconfig({
      'reg.local': { auth: b64('any:1') },
      'reg.local:5000': { auth: b64('five:2') },
      'reg.local:6000': { auth: b64('six:3') },
    });
    expect(credentialsFromSecret(s, 'reg.local:5000').auth).toEqual({ username: 'five', password: '2' });
    expect(credentialsFromSecret(s, 'reg.local:7000').auth).toEqual({ username: 'any', password: '1' });
    expect(credentialsFromSecret(dockerconfig({ 'reg.local:6000': { auth: b64('six:3') } }), 'reg.local').auth).toEqual(
      { username: 'six', password: '3' },
    );
    expect(
      failure(() => credentialsFromSecret(dockerconfig({ 'reg.local:6000': { auth: b64('six:3') } }), 'reg.local:5000'))
        .message,
    ).toContain('has no auths entry for reg.local:5000 (entries: reg.local:6000)');
  });

  it('reads username/password fields, registrytoken and identitytoken', () => {
    expect(credentialsFromSecret(dockerconfig({ h: { username: 'u', password: 'p' } }), 'h')).toEqual({
      auth: { username: 'u', password: 'p' },
    });
    expect(credentialsFromSecret(dockerconfig({ h: { registrytoken: 'rt' } }), 'h')).toEqual({ auth: { token: 'rt' } });
    // ACR/ECR style: a placeholder user with an empty password and a refresh token.
    expect(
      credentialsFromSecret(
        dockerconfig({ h: { auth: b64('00000000-0000-0000-0000-000000000000:'), identitytoken: 'it' } }),
        'h',
      ),
    ).toEqual({ identityToken: 'it' });
  });

  it('fails clearly on a broken .dockerconfigjson without quoting it', () => {
    const bad = secret({ '.dockerconfigjson': '{"auths": {"h": {"auth": "c2VjcmV0LXZhbHVl"' });
    const e = failure(() => credentialsFromSecret(bad, 'h', 's'));
    expect(e).toMatchObject({
      reason: 'SecretNotFound',
      message: 'Secret s key .dockerconfigjson is not a JSON object with "auths"',
    });
    expect(failure(() => credentialsFromSecret(dockerconfig({ h: {} }), 'h')).message).toContain(
      'has no auth, username/password',
    );
    expect(failure(() => credentialsFromSecret(dockerconfig({ h: { auth: b64('nocolon') } }), 'h')).message).toContain(
      'not base64 of user:password',
    );
  });

  it('never puts a secret value in a message (property)', () => {
    const secretText = fc.string({ minLength: 6 }).filter((s) => /^[\x21-\x7e]+$/.test(s) && !/[{}":,\\]/.test(s));
    fc.assert(
      fc.property(secretText, fc.constantFrom('h', 'other:5000'), (value, host) => {
        const inputs: SecretData[] = [
          secret({ username: value }),
          secret({ password: value }),
          dockerconfig({ 'elsewhere.io': { auth: b64(`u:${value}`), password: value } }),
          dockerconfig({ h: { auth: b64(value.replace(/:/g, '')) } }),
          secret({ '.dockerconfigjson': `{"auths": ${value}` }),
          secret({ 'ca.crt': value }),
        ];
        for (const data of inputs) {
          try {
            credentialsFromSecret(data, host, 'ns/s');
          } catch (e) {
            expect(e).toBeInstanceOf(SourceError);
            expect((e as Error).message).not.toContain(value);
          }
        }
      }),
    );
  });

  it('returns TLS material kept in the same Secret', () => {
    expect(credentialsFromSecret(secret({ token: 't', 'ca.crt': PEM('CERTIFICATE') }), 'h')).toEqual({
      auth: { token: 't' },
      tls: { ca: PEM('CERTIFICATE') },
    });
  });
});

describe('tlsFromSecrets', () => {
  const ca = PEM('CERTIFICATE');
  const cert = PEM('CERTIFICATE');
  const key = PEM('PRIVATE KEY');

  it('reads ca.crt, tls.crt and tls.key', () => {
    expect(tlsFromSecrets({ ca: secret({ 'ca.crt': ca }) })).toEqual({ ca });
    expect(
      tlsFromSecrets({ ca: secret({ 'ca.crt': ca }), clientCert: secret({ 'tls.crt': cert, 'tls.key': key }) }),
    ).toEqual({ ca, cert, key });
    // cert-manager's layout: the issuing CA next to the client pair.
    expect(tlsFromSecrets({ clientCert: secret({ 'tls.crt': cert, 'tls.key': key, 'ca.crt': ca }) })).toEqual({
      ca,
      cert,
      key,
    });
  });

  it('names the missing key and the Secret', () => {
    const names = { ca: 'ns/ca', clientCert: 'ns/client' };
    expect(failure(() => tlsFromSecrets({ ca: secret({ 'tls.crt': ca }) }, names))).toMatchObject({
      reason: 'SecretNotFound',
      message: 'Secret ns/ca has no key ca.crt',
    });
    expect(failure(() => tlsFromSecrets({ clientCert: secret({ 'tls.crt': cert }) }, names)).message).toBe(
      'Secret ns/client has no key tls.key',
    );
    expect(failure(() => tlsFromSecrets({ clientCert: secret({ 'tls.key': key }) }, names)).message).toBe(
      'Secret ns/client has no key tls.crt',
    );
  });

  it('rejects what is not PEM as a TLSError without echoing it', () => {
    const e = failure(() => tlsFromSecrets({ ca: secret({ 'ca.crt': 'hunter2' }) }, { ca: 'ns/ca' }));
    expect(e).toMatchObject({ reason: 'TLSError', message: 'Secret ns/ca key ca.crt is not PEM' });
  });
});

describe('registryCredentials: the keyless trusted root', () => {
  const identities = [{ issuer: '^https://issuer$', subject: '^alice@' }];
  const spec = (trustedRootRef: Record<string, string>, secretRef?: { name: string }): PackRegistrySpec =>
    ({
      type: 'oci',
      url: 'oci://registry.example',
      verify: { provider: 'cosign', matchOIDCIdentity: identities, trustedRootRef, ...(secretRef && { secretRef }) },
    }) as PackRegistrySpec;
  const obj = (data: Record<string, string>, binaryData?: Record<string, string>) => ({ data, binaryData });
  const read = (s: PackRegistrySpec, secrets: Record<string, SecretData>, maps: Record<string, unknown>) =>
    registryCredentials(
      s,
      (n) => (secrets[n] ? { data: secrets[n] } : undefined),
      'packyard-system',
      (n) => maps[n] as never,
    ).verify;

  it('reads it from a ConfigMap (data or binaryData) or a Secret, under trusted_root.json or the key named', () => {
    const map = read(spec({ kind: 'ConfigMap', name: 'root' }), {}, { root: obj({ 'trusted_root.json': '{"a":1}' }) });
    expect(map).toMatchObject({ provider: 'cosign', source: 'spec.verify' });
    expect(map?.entries).toBeUndefined();
    expect(map?.keyless).toEqual({
      identities,
      trustedRoot: Buffer.from('{"a":1}'),
      source: 'ConfigMap packyard-system/root key trusted_root.json',
    });
    const binary = read(
      spec({ kind: 'ConfigMap', name: 'root', key: 'r.json' }),
      {},
      { root: obj({}, { 'r.json': b64('{}') }) },
    );
    expect(binary?.keyless?.trustedRoot).toEqual(Buffer.from('{}'));
    const fromSecret = read(
      spec({ kind: 'Secret', name: 'root' }, { name: 'keys' }),
      { root: secret({ 'trusted_root.json': '{"s":1}' }), keys: secret({ 'cosign.pub': PEM('PUBLIC KEY') }) },
      {},
    );
    expect(fromSecret?.keyless?.trustedRoot).toEqual(Buffer.from('{"s":1}'));
    expect(Object.keys(fromSecret?.entries ?? {})).toEqual(['cosign.pub']);
  });

  it('names the missing object or key: InvalidTrustedRoot', () => {
    const missing = failure(() => read(spec({ kind: 'ConfigMap', name: 'root' }), {}, {}));
    expect([missing.reason, missing.message]).toEqual([
      'InvalidTrustedRoot',
      'trusted root ConfigMap packyard-system/root not found',
    ]);
    const noKey = failure(() => read(spec({ kind: 'Secret', name: 'root' }), { root: secret({ other: 'x' }) }, {}));
    expect([noKey.reason, noKey.message]).toEqual([
      'InvalidTrustedRoot',
      'trusted root Secret packyard-system/root has no key trusted_root.json',
    ]);
  });

  it('lists the object among what the registry watches', () => {
    expect(configMapNamesOf(spec({ kind: 'ConfigMap', name: 'root' }))).toEqual(['root']);
    expect(secretNamesOf(spec({ kind: 'ConfigMap', name: 'root' }))).toEqual([]);
    expect(secretNamesOf(spec({ kind: 'Secret', name: 'root' }, { name: 'keys' }))).toEqual(['keys', 'root']);
  });
});
