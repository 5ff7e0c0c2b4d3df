// Throwaway X.509 certificates for the local control plane and for tests. Node can make keys but
// not certificates, so they come from the openssl CLI (3.0+ for `req -x509 -CA`), with a private
// config so the system's openssl.cnf cannot interfere.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** PEM certificate and its private key. */
export interface KeyPair {
  cert: string;
  key: string;
}

export interface IssueOptions {
  /** Subject CN. */
  cn: string;
  /** Subject O, e.g. system:masters for a Kubernetes admin. */
  org?: string;
  usage: 'server' | 'client';
  /** subjectAltName entries such as `IP:127.0.0.1`, `DNS:localhost`. Default: those two for servers. */
  sans?: string[];
}

export interface CertificateAuthority {
  ca: KeyPair;
  issue(opts: IssueOptions): Promise<KeyPair>;
}

const BASE_CNF = `[req]
distinguished_name = dn
prompt = no
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
`;

const leafExtension = (o: IssueOptions, sans: string[]) => `[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = ${o.usage === 'server' ? 'serverAuth' : 'clientAuth'}
authorityKeyIdentifier = keyid
${sans.length ? `subjectAltName = ${sans.join(',')}\n` : ''}`;

/** A fresh CA (EC P-256) that issues leaf certificates. */
export async function createCertificateAuthority(name: string): Promise<CertificateAuthority> {
  const ca = await make(`/CN=${name}`, 'ca', BASE_CNF);
  return {
    ca,
    issue: (o) => {
      const sans = o.sans ?? (o.usage === 'server' ? ['IP:127.0.0.1', 'DNS:localhost'] : []);
      const subj = `${o.org ? `/O=${o.org}` : ''}/CN=${o.cn}`;
      return make(subj, 'leaf', BASE_CNF + leafExtension(o, sans), ca);
    },
  };
}

/** One certificate, signed by `signer` or self-signed, made in a temporary directory removed after. */
async function make(subj: string, ext: string, cnf: string, signer?: KeyPair): Promise<KeyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'packyard-pki-'));
  const p = (name: string) => join(dir, name);
  try {
    await writeFile(p('openssl.cnf'), cnf);
    const args = [
      'req',
      '-x509',
      '-config',
      p('openssl.cnf'),
      '-extensions',
      ext,
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '3650',
      '-subj',
      subj,
      '-keyout',
      p('tls.key'),
      '-out',
      p('tls.crt'),
    ];
    if (signer) {
      await writeFile(p('ca.crt'), signer.cert);
      await writeFile(p('ca.key'), signer.key, { mode: 0o600 });
      args.push('-CA', p('ca.crt'), '-CAkey', p('ca.key'));
    }
    await openssl(args);
    return { cert: await readFile(p('tls.crt'), 'utf8'), key: await readFile(p('tls.key'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function openssl(args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('the openssl CLI (3.0+) is required to make certificates', { cause: err });
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr ?? e.message}`, { cause: err });
  }
}
