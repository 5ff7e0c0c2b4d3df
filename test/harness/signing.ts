// Real signers for the trust tests: cosign (built like the other Go tools) signing what is in the
// test registry, and GnuPG making throwaway keyrings that `helm package --sign` signs charts with.
import { execFile } from 'node:child_process';
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
  await cosign([
    'sign',
    '--key',
    key.keyPath,
    '--yes',
    '--tlog-upload=false',
    '--allow-http-registry',
    '--allow-insecure-registry',
    ...(where === 'bundle'
      ? ['--new-bundle-format=true', '--use-signing-config=false']
      : ['--new-bundle-format=false']),
    ref,
  ]);
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
