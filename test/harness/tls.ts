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
  usage: 'server' | 'client';
  /** subjectAltName entries such as `IP:127.0.0.1`, `DNS:localhost`. Default: those two for servers. */
  sans?: string[];
}

/** A throwaway CA plus a loopback server cert and a client cert it issued. */
export interface TestPki {
  ca: KeyPair;
  /** CN=localhost, SAN IP:127.0.0.1 and DNS:localhost. */
  server: KeyPair;
  /** CN=packyard-test-client, clientAuth. */
  client: KeyPair;
  /** Issues another certificate from the same CA. */
  issue(opts: IssueOptions): Promise<KeyPair>;
}

// The same approach as src/local/control-plane.ts (openssl 3 `req -x509 -CA`, a private config so
// the system openssl.cnf cannot interfere); that generator is private to the control plane.
const BASE_CNF = `[req]
distinguished_name = dn
prompt = no
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
`;

const extension = (name: string, o: IssueOptions) => `[${name}]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = ${o.usage === 'server' ? 'serverAuth' : 'clientAuth'}
authorityKeyIdentifier = keyid
${o.sans?.length ? `subjectAltName = ${o.sans.join(',')}\n` : ''}`;

async function openssl(args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('the openssl CLI (3.0+) is required by the TLS test harness', { cause: err });
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr ?? e.message}`, { cause: err });
  }
}

/** One certificate, signed by `signer` or self-signed, made in a temporary directory removed after. */
async function make(subj: string, ext: string, cnf: string, signer?: KeyPair): Promise<KeyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'packyard-pki-'));
  const p = (name: string) => join(dir, name);
  try {
    await writeFile(p('openssl.cnf'), cnf);
    const args = ['req', '-x509', '-config', p('openssl.cnf'), '-extensions', ext, '-newkey', 'ec', '-pkeyopt',
      'ec_paramgen_curve:P-256', '-nodes', '-days', '3650', '-subj', subj, '-keyout', p('tls.key'), '-out', p('tls.crt')];
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

/** Generates a fresh CA, server and client certificate (EC P-256) with the openssl CLI. */
export async function createTestPki(caName = 'packyard-test-ca'): Promise<TestPki> {
  const ca = await make(`/CN=${caName}`, 'ca', BASE_CNF);
  const issue = (o: IssueOptions) => {
    const sans = o.sans ?? (o.usage === 'server' ? ['IP:127.0.0.1', 'DNS:localhost'] : []);
    return make(`/CN=${o.cn}`, 'leaf', BASE_CNF + extension('leaf', { ...o, sans }), ca);
  };
  const [server, client] = await Promise.all([
    issue({ cn: 'localhost', usage: 'server' }),
    issue({ cn: 'packyard-test-client', usage: 'client' }),
  ]);
  return { ca, server, client, issue };
}
