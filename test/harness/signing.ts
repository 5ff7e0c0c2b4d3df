// Real signers for the trust tests: cosign (built like the other Go tools) signing what is in the
// test registry, and GnuPG making throwaway keyrings that `helm package --sign` signs charts with.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toolPath } from './tools.js';

const run = promisify(execFile);

export interface CosignKeyPair {
  /** Path of the encrypted private key (empty password). */
  keyPath: string;
  /** cosign.pub, PEM. */
  publicKey: Buffer;
}

/** `cosign generate-key-pair` in a fresh directory, with an empty password. */
export async function cosignKeyPair(): Promise<CosignKeyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'packyard-cosign-'));
  await cosign(['generate-key-pair'], dir);
  return { keyPath: join(dir, 'cosign.key'), publicKey: readFileSync(join(dir, 'cosign.pub')) };
}

/**
 * `cosign sign --key` of `ref` (`host/repo@sha256:…`) without a transparency log (the tests are
 * offline): `tag` stores the legacy `sha256-<hex>.sig` tag, `bundle` a sigstore bundle attached
 * through the referrers API (or its tag fallback).
 */
export async function cosignSign(ref: string, key: CosignKeyPair, where: 'tag' | 'bundle'): Promise<void> {
  await cosign(['sign', '--key', key.keyPath, ...offlineSignFlags(where), ref]);
}

/** What every test signature shares: no prompt, no transparency log, the plain-HTTP test registry, where it is stored. */
function offlineSignFlags(where: 'tag' | 'bundle'): string[] {
  return [
    '--yes',
    '--tlog-upload=false',
    '--allow-http-registry',
    '--allow-insecure-registry',
    ...(where === 'bundle'
      ? ['--new-bundle-format=true', '--use-signing-config=false']
      : ['--new-bundle-format=false']),
  ];
}

/** Runs the real cosign with an empty key password and a throwaway home, and no network trust fetch. */
export async function cosign(args: string[], cwd?: string): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'packyard-cosign-home-'));
  try {
    const { stdout } = await run(toolPath('cosign'), args, {
      cwd,
      env: {
        ...process.env,
        HOME: home,
        COSIGN_PASSWORD: '',
        COSIGN_YES: 'true',
        TUF_ROOT: join(home, 'tuf'),
        DOCKER_CONFIG: join(home, 'docker'),
      },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`cosign ${args.join(' ')} failed: ${e.stderr || e.message}`, { cause: err });
  }
}

export interface GpgKey {
  home: string;
  /** The user ID, which `helm package --key` names. */
  name: string;
  /** Legacy secret keyring, as `helm package --keyring` reads it. */
  secring: string;
  /** Public keyring, binary (what the verify Secret holds). */
  pubring: Buffer;
  fingerprint: string;
}

/**
 * A throwaway RSA signing key in its own GNUPGHOME, with no passphrase. `expired`: made three days
 * ago to expire a day later, so it signs today after its expiry.
 */
export async function gpgKey(
  name = 'Packyard Test Signer <signer@packyard.test>',
  opts: { expired?: boolean } = {},
): Promise<GpgKey> {
  const home = mkdtempSync(join(tmpdir(), 'packyard-gnupg-'));
  const past = new Date(Date.now() - 3 * 86_400_000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, '');
  await gpg(home, [
    ...(opts.expired ? ['--faked-system-time', `${past}!`] : []),
    '--quick-gen-key',
    name,
    'rsa2048',
    'sign',
    opts.expired ? '1d' : 'never',
  ]);
  const fingerprint = (await gpg(home, ['--with-colons', '--list-keys', name]))
    .split('\n')
    .find((l) => l.startsWith('fpr:'))!
    .split(':')[9]!;
  const secring = join(home, 'secring.gpg');
  writeFileSync(secring, await gpgBinary(home, ['--export-secret-keys', fingerprint]));
  return { home, name, secring, pubring: await gpgBinary(home, ['--export', fingerprint]), fingerprint };
}

async function gpg(home: string, args: string[]): Promise<string> {
  const { stdout } = await run(
    'gpg',
    ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args],
    { maxBuffer: 8 * 1024 * 1024 },
  );
  return stdout;
}

async function gpgBinary(home: string, args: string[]): Promise<Buffer> {
  const { stdout } = await run('gpg', ['--homedir', home, '--batch', ...args], {
    encoding: 'buffer',
    maxBuffer: 8 * 1024 * 1024,
  });
  return stdout;
}

// ---- Keyless: a private certificate authority standing in for Fulcio (no network here) ----

export interface TestCa {
  name: string;
  /** CA certificate, PEM, and its private key's path. */
  certPath: string;
  keyPath: string;
  /** The certificate, DER: what a TrustedRoot lists. */
  der: Buffer;
}

/** A self-signed P-256 CA made by the real `openssl`, valid from a day ago for 30 days. */
export async function testCa(name: string): Promise<TestCa> {
  const dir = mkdtempSync(join(tmpdir(), 'packyard-ca-'));
  const certPath = join(dir, 'ca.pem');
  const keyPath = join(dir, 'ca.key');
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '30',
    '-subj',
    `/O=Packyard Test/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  ]);
  const der = Buffer.from(await openssl(['x509', '-in', certPath, '-outform', 'DER'], 'buffer'));
  return { name, certPath, keyPath, der };
}

export interface KeylessSigner {
  /** The leaf certificate (PEM path) and the cosign-format key of its private key. */
  certPath: string;
  keyPath: string;
  /** The CA's certificate, the chain cosign attaches. */
  chainPath: string;
  identity: { subject: string; issuer: string };
}

/**
 * A Fulcio-shaped code-signing certificate from `ca`: the identity as a subject alternative name
 * (email, or URI when it has a scheme), the OIDC issuer in both Fulcio extensions (1.3.6.1.4.1.57264.1.1
 * raw, .1.8 a DER UTF8String), and its P-256 key imported into cosign's format by `cosign import-key-pair`.
 * `noIssuer`: no issuer extension at all; `otherNames`: more subject alternative names, listed first
 * (an email, a URI or a DNS name each).
 */
export async function keylessSigner(
  ca: TestCa,
  identity: { subject: string; issuer: string },
  opts: { noIssuer?: boolean; otherNames?: string[] } = {},
): Promise<KeylessSigner> {
  const dir = mkdtempSync(join(tmpdir(), 'packyard-leaf-'));
  const ecKey = join(dir, 'leaf.ec.pem');
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', ecKey]);
  const csr = join(dir, 'leaf.csr');
  await openssl(['req', '-new', '-key', ecKey, '-subj', '/', '-out', csr]);
  // In their own section, so a name may hold a comma.
  const names = [...(opts.otherNames ?? []), identity.subject].map(
    (n, i) => `${/^[a-z]+:\/\//.test(n) ? 'URI' : n.includes('@') ? 'email' : 'DNS'}.${i + 1} = ${n}`,
  );
  const ext = join(dir, 'leaf.ext');
  writeFileSync(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=codeSigning',
      'subjectAltName=critical,@alt_names',
      ...(opts.noIssuer
        ? []
        : [
            `1.3.6.1.4.1.57264.1.1=DER:${Buffer.from(identity.issuer).toString('hex')}`,
            `1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:${identity.issuer}`,
          ]),
      '[alt_names]',
      ...names,
      '',
    ].join('\n'),
  );
  const certPath = join(dir, 'leaf.pem');
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.certPath,
    '-CAkey',
    ca.keyPath,
    // A random serial each: -CAcreateserial shares one serial file, which leaves issued in parallel race on.
    '-set_serial',
    `0x1${randomBytes(15).toString('hex')}`,
    '-days',
    '10',
    '-extfile',
    ext,
    '-out',
    certPath,
  ]);
  await cosign(['import-key-pair', '--key', ecKey, '--output-key-prefix', 'cosign'], dir);
  return { certPath, keyPath: join(dir, 'cosign.key'), chainPath: ca.certPath, identity };
}

/**
 * `cosign sign` with the signer's key and certificate (what keyless signing stores, with a private CA in
 * place of Fulcio), no transparency log: `tag` the legacy `.sig` tag with the certificate annotations,
 * `bundle` a sigstore bundle carrying the certificate, attached as a referrer.
 */
export async function cosignSignKeyless(ref: string, signer: KeylessSigner, where: 'tag' | 'bundle'): Promise<void> {
  await cosign([
    'sign',
    '--key',
    signer.keyPath,
    '--certificate',
    signer.certPath,
    '--certificate-chain',
    signer.chainPath,
    ...offlineSignFlags(where),
    ref,
  ]);
}

/** A sigstore TrustedRoot listing these CAs (each valid from a day ago), and optionally a transparency log key. */
export function trustedRoot(cas: TestCa[], opts: { tlogKeyDer?: Buffer } = {}): string {
  const start = new Date(Date.now() - 86_400_000).toISOString();
  return JSON.stringify({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: opts.tlogKeyDer
      ? [
          {
            baseUrl: 'https://rekor.packyard.test',
            hashAlgorithm: 'SHA2_256',
            publicKey: {
              rawBytes: opts.tlogKeyDer.toString('base64'),
              keyDetails: 'PKIX_ECDSA_P256_SHA_256',
              validFor: { start },
            },
            logId: { keyId: createHash('sha256').update(opts.tlogKeyDer).digest('base64') },
          },
        ]
      : [],
    certificateAuthorities: cas.map((ca) => ({
      subject: { organization: 'Packyard Test', commonName: ca.name },
      uri: `https://${ca.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.packyard.test`,
      certChain: { certificates: [{ rawBytes: ca.der.toString('base64') }] },
      validFor: { start },
    })),
    ctlogs: [],
    timestampAuthorities: [],
  });
}

async function openssl(args: string[], encoding: 'utf8' | 'buffer' = 'utf8'): Promise<string | Buffer> {
  try {
    const { stdout } = await run('openssl', args, { encoding, maxBuffer: 8 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string | Buffer; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${String(e.stderr || e.message)}`, { cause: err });
  }
}

/** The TrustedRoot the real `cosign trusted-root create` writes for these CAs, each as a Fulcio instance. */
export async function cosignTrustedRoot(cas: TestCa[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'packyard-trusted-root-'));
  const out = join(dir, 'trusted_root.json');
  await cosign([
    'trusted-root',
    'create',
    ...cas.flatMap((ca) => ['--fulcio', `url=https://fulcio.packyard.test,certificate-chain=${ca.certPath}`]),
    '--out',
    out,
  ]);
  return readFileSync(out, 'utf8');
}
