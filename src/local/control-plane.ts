// A real, throwaway Kubernetes control plane on loopback (etcd + kube-apiserver, no Docker), in the
// spirit of controller-runtime's envtest. Tests use it through test/harness; people through
// hack/dev-cluster.sh. Binaries come from hack/build-tool.sh, which builds them once and caches them.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump } from 'js-yaml';
import { ManagedProcess, ProcessSet } from './managed-process.js';
import { createCertificateAuthority } from './pki.js';

export interface ControlPlaneOptions {
  /**
   * Where to keep data, certs, logs and the kubeconfig; kept after stop(), and an etcd data dir
   * already there is reused (its objects survive). Default: a fresh temp dir, removed by stop().
   */
  dir?: string;
  /** Progress lines (binary builds, readiness). Default: process.stderr. */
  log?: (line: string) => void;
}

export interface ControlPlane {
  kubeconfigPath: string;
  /** https://127.0.0.1:PORT */
  server: string;
  dir: string;
  /** PEM of the CA that signed the serving cert and the admin client cert. */
  caPem: string;
  /** Current process ids (apiserver is undefined while stopped). */
  readonly pids: { etcd: number | undefined; apiserver: number | undefined };
  /** Stops kube-apiserver only; etcd and its data stay. */
  stopApiserver(): Promise<void>;
  /** Starts kube-apiserver again on the same port with the same etcd and certs; resolves when ready. */
  startApiserver(): Promise<void>;
  /** Stops both processes (SIGTERM, SIGKILL after 5 s) and removes a temp dir. Idempotent. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const POLL_MS = 100;

/** The repository root: the nearest ancestor of this module that holds hack/build-tool.sh. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'hack', 'build-tool.sh'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('cannot find the repository root (hack/build-tool.sh) above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const started = Date.now();
  // One after the other: two cold Go builds at once would only fight over the CPUs.
  const etcdBin = await buildTool('etcd', log);
  const apiserverBin = await buildTool('kube-apiserver', log);

  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'packyard-cp-')));
  const certDir = join(dir, 'certs');
  await mkdir(certDir, { recursive: true });
  const certs = await generateCerts(certDir);
  const [etcdPort, peerPort, apiPort] = await freePorts(3);
  const server = `https://127.0.0.1:${apiPort}`;
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;

  const etcdArgs = [
    '--name=default',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=default=${peerUrl}`,
    '--unsafe-no-fsync', // throwaway data: durability is not worth the fsync latency
    '--log-level=warn',
  ];
  const apiserverArgs = [
    `--etcd-servers=${etcdUrl}`,
    `--cert-dir=${certDir}`,
    // Our own serving cert, so one CA (caPem) covers the whole cluster and is known before start.
    `--tls-cert-file=${certs.servingCert}`,
    `--tls-private-key-file=${certs.servingKey}`,
    `--secure-port=${apiPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    '--service-cluster-ip-range=10.0.0.0/24',
    '--allow-privileged=true',
    '--authorization-mode=RBAC',
    '--disable-admission-plugins=ServiceAccount', // no controller-manager issues tokens here
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${certs.saPublicKey}`,
    `--service-account-signing-key-file=${certs.saPrivateKey}`,
    `--client-ca-file=${certs.caCert}`,
    // Endpoints reject a loopback address, so the default reconciler would log an error every 10 s.
    '--endpoint-reconciler-type=none',
  ];

  const removeDir = !opts.dir && process.env.PACKYARD_KEEP_CONTROL_PLANE !== '1';
  const procs = new ProcessSet(removeDir ? dir : undefined);
  const etcd = new ManagedProcess('etcd', etcdBin, etcdArgs, join(dir, 'etcd.log'), procs);
  const apiserver = new ManagedProcess(
    'kube-apiserver',
    apiserverBin,
    apiserverArgs,
    join(dir, 'kube-apiserver.log'),
    procs,
  );
  const caPem = await readFile(certs.caCert, 'utf8');
  const tlsAuth = {
    ca: caPem,
    cert: await readFile(certs.adminCert, 'utf8'),
    key: await readFile(certs.adminKey, 'utf8'),
  };

  const startApiserver = async (): Promise<void> => {
    apiserver.start();
    // readyz first; then the default namespace, which a controller creates shortly after and
    // which tests reasonably expect to exist.
    await waitFor(
      apiserver,
      READY_TIMEOUT_MS,
      async () =>
        (await httpsStatus(`${server}/readyz`, tlsAuth)) === 200 &&
        (await httpsStatus(`${server}/api/v1/namespaces/default`, tlsAuth)) === 200,
    );
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // apiserver first: with etcd gone it would hang in shutdown until SIGKILL.
      await apiserver.stop();
      await etcd.stop();
      procs.close();
      if (removeDir) await rm(dir, { recursive: true, force: true });
    })());

  try {
    etcd.start();
    await waitFor(etcd, READY_TIMEOUT_MS, async () => (await httpStatus(`${etcdUrl}/health`)) === 200);
    await startApiserver();
  } catch (err) {
    await stop();
    if (err instanceof Error && !opts.dir) err.message += '\n(PACKYARD_KEEP_CONTROL_PLANE=1 keeps the logs)';
    throw err;
  }

  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeFile(kubeconfigPath, kubeconfigYaml(server, tlsAuth), { mode: 0o600 });
  log(`control plane ready at ${server} in ${((Date.now() - started) / 1000).toFixed(1)}s (dir ${dir})`);

  return {
    kubeconfigPath,
    server,
    dir,
    caPem,
    get pids() {
      return { etcd: etcd.pid, apiserver: apiserver.pid };
    },
    stopApiserver: () => apiserver.stop(),
    startApiserver,
    stop,
  };
}

/** Runs hack/build-tool.sh TOOL: progress (stderr) goes to log, the binary's path is stdout's last line. */
async function buildTool(tool: string, log: (line: string) => void): Promise<string> {
  const child = spawn('bash', [join(repoRoot(), 'hack', 'build-tool.sh'), tool], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderrTail = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  forEachLine(child.stderr, (line) => {
    stderrTail = (stderrTail + line + '\n').slice(-4000);
    log(line);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const path = stdout.trim().split('\n').pop() ?? '';
  if (code !== 0 || !path) throw new Error(`hack/build-tool.sh ${tool} failed (exit ${code}):\n${stderrTail}`);
  return path;
}

interface CertPaths {
  caCert: string;
  adminCert: string;
  adminKey: string;
  servingCert: string;
  servingKey: string;
  saPublicKey: string;
  saPrivateKey: string;
}

async function generateCerts(certDir: string): Promise<CertPaths> {
  const p = (name: string) => join(certDir, name);
  const paths: CertPaths = {
    caCert: p('ca.crt'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    servingCert: p('serving.crt'),
    servingKey: p('serving.key'),
    saPublicKey: p('sa.pub'),
    saPrivateKey: p('sa.key'),
  };
  const { ca, issue } = await createCertificateAuthority('packyard-local-ca');
  const [admin, serving] = await Promise.all([
    // Group system:masters through the client cert's O: cluster-admin without any RBAC setup.
    issue({ cn: 'admin', org: 'system:masters', usage: 'client' }),
    issue({ cn: 'kube-apiserver', usage: 'server' }),
  ]);
  const sa = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  await writeFile(paths.caCert, ca.cert);
  await writeFile(p('ca.key'), ca.key, { mode: 0o600 });
  await writeFile(paths.adminCert, admin.cert);
  await writeFile(paths.adminKey, admin.key, { mode: 0o600 });
  await writeFile(paths.servingCert, serving.cert);
  await writeFile(paths.servingKey, serving.key, { mode: 0o600 });
  await writeFile(paths.saPublicKey, sa.publicKey);
  await writeFile(paths.saPrivateKey, sa.privateKey, { mode: 0o600 });
  return paths;
}

function kubeconfigYaml(server: string, auth: { ca: string; cert: string; key: string }): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const name = 'packyard-local';
  return dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': b64(auth.ca) } }],
    users: [{ name: 'admin', user: { 'client-certificate-data': b64(auth.cert), 'client-key-data': b64(auth.key) } }],
    contexts: [{ name, context: { cluster: name, user: 'admin' } }],
    'current-context': name,
  });
}

/** Distinct free loopback ports: all are held open together so the kernel cannot hand one out twice. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** Polls ready() every POLL_MS until true; fails fast, with the log tail, if the process exits. */
async function waitFor(proc: ManagedProcess, timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.pid) {
      throw new Error(
        `${proc.name} ${proc.exitReason ?? 'is not running'}; last lines of ${proc.logPath}:\n${await proc.logTail()}`,
      );
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${proc.name} not ready after ${timeoutMs / 1000}s; last lines of ${proc.logPath}:\n${await proc.logTail()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function httpsStatus(url: string, tls: { ca: string; cert: string; key: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...tls, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function httpStatus(url: string): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await res.body?.cancel();
  return res.status;
}

function forEachLine(stream: NodeJS.ReadableStream, fn: (line: string) => void): void {
  let buf = '';
  stream.on('data', (chunk: Buffer) => {
    buf += chunk.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    lines.forEach(fn);
  });
  stream.on('end', () => buf && fn(buf));
}
