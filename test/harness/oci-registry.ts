// A real OCI registry for tests: CNCF distribution (toolPath('registry')) on 127.0.0.1, with
// htpasswd auth or token auth (a token service in this process signing ES256 JWTs the registry
// verifies through a JWKS file). Charts are pushed with the real `helm push`, Palette packs with the
// real `oras push`. The registry's access log is parsed, so tests count requests at the server.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import bcrypt from 'bcryptjs';
import { pack as tarPack } from 'tar-stream';
import { packageChart, type ChartSpec } from './helm-charts.js';
import { startServer, type Handler, type TestServer } from './http-server.js';
import { toolPath } from './tools.js';
import { waitFor } from './wait.js';

const execFileAsync = promisify(execFile);

export const SERVICE = 'packyard-test-registry';
const ISSUER = 'packyard-test-issuer';
const KID = 'packyard-test-key';

/** Media types the pack layouts are pushed with (see src/sources/oci/palette-pack.ts for what is read). */
export const PACK_ARTIFACT_TYPE = 'application/vnd.packyard.test.palette-pack.v1';
export const PACK_ARCHIVE_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';

export interface OciRegistryOptions {
  /** htpasswd (Basic), token (Bearer from a token service), or none (anonymous push and pull). */
  auth?: 'htpasswd' | 'token' | 'none';
  username?: string;
  password?: string;
  /** Token auth: anonymous clients get pull access (else nothing). */
  anonymousPull?: boolean;
  /** Token auth: lifetime of issued tokens, as the token service announces it (expires_in). */
  tokenExpiresInS?: number;
  /**
   * Token auth: how long the registry really accepts a token (default: tokenExpiresInS). Shorter
   * than announced is a token that expires while the client still trusts it (clock skew, revocation).
   */
  tokenValidForS?: number;
  /** Token auth: wraps the token service's handler, to inject faults at the realm. */
  wrapTokenService?: (next: Handler) => Handler;
}

export interface AccessLogEntry {
  method: string;
  /** Path and query. */
  url: string;
  status: number;
  userAgent: string;
}

export interface PalettePackSpec {
  name: string;
  version: string;
  displayName?: string;
  layer?: string;
  addonType?: string;
  cloudTypes?: string[];
  dependencies?: { packName: string; layer?: string; minVersion?: string; maxVersion?: string; type: string }[];
}

export interface OciRegistry {
  /** 127.0.0.1:PORT */
  host: string;
  /** http://127.0.0.1:PORT */
  url: string;
  username: string;
  password: string;
  /**
   * Sets (or adds) a user's password: htpasswd is rewritten (the registry reloads it when it changes)
   * and the token service checks the same users, so a rotated password fails at once.
   */
  setPassword(user: string, password: string): void;
  /** Token auth only: the token service (its request log), and a refresh token it accepts for `username`. */
  tokenServer?: TestServer;
  identityToken: string;
  /** Requests the registry served, from its access log; `userAgent` filters (packyard/… are ours). */
  requests(userAgent?: RegExp): AccessLogEntry[];
  /** Waits until the access log has caught up (it is written just after each response). */
  settle(): Promise<void>;
  /** A token for `scopes` signed by the token service, as if it had issued it (token auth only). */
  mintToken(scopes: string[]): string;
  /** Pushes a chart with `helm push` under `path` (repository `<path>/<name>`); returns the manifest digest. */
  pushChart(chart: ChartSpec, path?: string): Promise<string>;
  /**
   * Pushes a Palette pack with `oras push` to `<repository>:<version>`: layout `archive` is
   * `<name>-<version>.tar.gz` (a tar of `<name>/pack.json` and `<name>/values.yaml`, as Palette's
   * docs build it) pushed as one layer of PACK_ARCHIVE_MEDIA_TYPE; `files` pushes pack.json and
   * values.yaml as layers of their own. Returns the manifest digest.
   */
  pushPack(pack: PalettePackSpec, repository: string, layout?: 'archive' | 'files'): Promise<string>;
  /**
   * Pushes a pack archive of files given byte for byte (real pack.json files, say): a tar.gz of
   * `<dir>/<file>` for each, pushed with `oras push` to `<repository>:<tag>` as pushPack's archive
   * layout does. Returns the manifest digest.
   */
  pushPackFiles(repository: string, tag: string, dir: string, files: Record<string, string | Buffer>): Promise<string>;
  /**
   * Writes charts straight through the distribution API, in the exact shape `helm push` gives them
   * (Helm config and chart layer media types, created annotation): for registries of a thousand
   * versions, which the CLI would take minutes to push. Every version gets its own config blob.
   */
  seedCharts(repository: string, charts: ChartSpec[]): Promise<string[]>;
  /** Runs the real oras CLI against this registry with its credentials (`--plain-http` added). */
  oras(args: string[], cwd?: string): Promise<string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the registry and removes its storage. */
  close(): Promise<void>;
}

export async function startOciRegistry(opts: OciRegistryOptions = {}): Promise<OciRegistry> {
  const auth = opts.auth ?? 'htpasswd';
  const username = opts.username ?? 'packyard';
  const password = opts.password ?? 's3cret-pa55';
  const identityToken = `refresh-${randomUUID()}`;
  const dir = mkdtempSync(join(tmpdir(), 'packyard-oci-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let authYaml = '';
  let tokenServer: TestServer | undefined;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const mint = (sub: string, access: Access[], validForS = opts.tokenValidForS ?? opts.tokenExpiresInS ?? 300) =>
    jwt(privateKey, sub, access, validForS);
  const users = new Map([[username, password]]);
  let htpasswdWrites = 0;
  const writeHtpasswd = () => {
    // Cost 4, bcrypt's minimum: the registry checks the hash on every request, and cost 10 takes ~70 ms.
    const file = join(dir, 'htpasswd');
    writeFileSync(file, [...users].map(([u, p]) => `${u}:${bcrypt.hashSync(p, 4)}\n`).join(''));
    // The registry reloads the file when its mtime changes: make two writes in one clock tick differ.
    const t = new Date(Date.now() + ++htpasswdWrites);
    utimesSync(file, t, t);
  };

  if (auth === 'htpasswd') {
    writeHtpasswd();
    authYaml = `auth:\n  htpasswd:\n    realm: packyard-test\n    path: ${join(dir, 'htpasswd')}\n`;
  } else if (auth === 'token') {
    writeFileSync(
      join(dir, 'jwks.json'),
      JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'ES256', use: 'sig' }] }),
    );
    const tokenHandler: Handler = async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      let user: string | undefined;
      let scopes = url.searchParams.getAll('scope');
      if (req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== identityToken) {
          return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
        }
        user = username;
        scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      } else if (req.headers.authorization) {
        const [u, p] = Buffer.from(req.headers.authorization.replace(/^Basic /, ''), 'base64')
          .toString()
          .split(':');
        if (u === undefined || users.get(u) !== p)
          return void res.writeHead(401, { 'www-authenticate': 'Basic realm="token"' }).end();
        user = u;
      }
      const access = scopes.map(parseScope).map((a) => ({
        ...a,
        actions: user ? a.actions : opts.anonymousPull ? a.actions.filter((x) => x === 'pull') : [],
      }));
      const token = mint(user ?? '', access);
      const body = {
        token,
        access_token: token,
        expires_in: opts.tokenExpiresInS ?? 300,
        issued_at: new Date().toISOString(),
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    tokenServer = await startServer({
      routes: { '/token': opts.wrapTokenService ? opts.wrapTokenService(tokenHandler) : tokenHandler },
    });
    authYaml = `auth:\n  token:\n    realm: ${tokenServer.url}/token\n    service: ${SERVICE}\n    issuer: ${ISSUER}\n    jwks: ${join(dir, 'jwks.json')}\n`;
  }
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1
log:
  level: error
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
http:
  addr: ${host}
${authYaml}`,
  );

  const log: AccessLogEntry[] = [];
  let child: ChildProcess | undefined;
  const parse = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      const m = /"([A-Z]+) (\S+) HTTP\/[\d.]+" (\d{3}) \S+ "[^"]*" "([^"]*)"/.exec(line);
      if (m) log.push({ method: m[1]!, url: m[2]!, status: Number(m[3]), userAgent: m[4]! });
    }
  };
  const start = async () => {
    const proc = spawn(toolPath('registry'), ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout.on('data', parse);
    proc.stderr.on('data', parse);
    child = proc;
    await waitFor(
      'the OCI registry to answer /v2/',
      async () => {
        if (proc.exitCode !== null) throw new Error(`registry exited with ${proc.exitCode}`);
        return (await fetch(`http://${host}/v2/`).catch(() => undefined))?.status;
      },
      20_000,
      50,
    );
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    proc.kill('SIGTERM');
    await once(proc, 'exit');
  };
  await start();

  // The current password: a test may rotate it (setPassword).
  const credentialArgs = () => (auth === 'none' ? [] : ['--username', username, '--password', users.get(username)!]);
  const oras = async (args: string[], cwd?: string) => {
    const home = mkdtempSync(join(tmpdir(), 'packyard-oras-home-'));
    try {
      const { stdout } = await execFileAsync(toolPath('oras'), [...args, '--plain-http', ...credentialArgs()], {
        cwd,
        env: { ...process.env, HOME: home, DOCKER_CONFIG: home },
      });
      return stdout;
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  };

  let last = -1;
  return {
    host,
    url: `http://${host}`,
    username,
    get password() {
      return users.get(username)!;
    },
    setPassword: (user, newPassword) => {
      users.set(user, newPassword);
      if (auth === 'htpasswd') writeHtpasswd();
    },
    tokenServer,
    identityToken,
    requests: (userAgent) => log.filter((e) => !userAgent || userAgent.test(e.userAgent)),
    settle: async () => {
      await waitFor(
        'the access log to settle',
        async () => {
          await new Promise((r) => setTimeout(r, 150));
          const settled = log.length === last;
          last = log.length;
          return settled;
        },
        10_000,
        0,
      );
    },
    mintToken: (scopes) => mint(username, scopes.map(parseScope)),
    pushChart: async (chart, path = 'charts') => {
      const out = mkdtempSync(join(tmpdir(), 'packyard-oci-chart-'));
      try {
        const tgz = packageChart(chart, out);
        const home = mkdtempSync(join(tmpdir(), 'packyard-helm-home-'));
        const { stdout, stderr } = await execFileAsync(
          toolPath('helm'),
          ['push', tgz, `oci://${host}/${path}`, '--plain-http', ...credentialArgs()],
          {
            env: { ...process.env, HELM_CONFIG_HOME: home, HELM_CACHE_HOME: home, HELM_DATA_HOME: home },
          },
        );
        rmSync(home, { recursive: true, force: true });
        return digestIn(`${stdout}\n${stderr}`);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
    pushPack: async (pack, repository, layout = 'archive') => {
      const work = mkdtempSync(join(tmpdir(), 'packyard-oci-pack-'));
      try {
        const packJson = JSON.stringify(
          {
            name: pack.name,
            displayName: pack.displayName ?? pack.name,
            version: pack.version,
            layer: pack.layer ?? 'addon',
            ...(pack.addonType ? { addonType: pack.addonType } : {}),
            cloudTypes: pack.cloudTypes ?? ['all'],
            constraints: { dependencies: pack.dependencies ?? [] },
          },
          null,
          2,
        );
        mkdirSync(join(work, pack.name));
        writeFileSync(join(work, pack.name, 'pack.json'), packJson);
        writeFileSync(join(work, pack.name, 'values.yaml'), `pack:\n  namespace: ${pack.name}\n`);
        const ref = `${host}/${repository}:${pack.version.replaceAll('+', '_')}`;
        let stdout: string;
        if (layout === 'archive') {
          const archive = `${pack.name}-${pack.version}.tar.gz`;
          await execFileAsync('tar', ['-czf', archive, pack.name], { cwd: work });
          stdout = await oras(
            ['push', ref, '--artifact-type', PACK_ARTIFACT_TYPE, `${archive}:${PACK_ARCHIVE_MEDIA_TYPE}`],
            work,
          );
        } else {
          stdout = await oras(
            [
              'push',
              ref,
              '--artifact-type',
              PACK_ARTIFACT_TYPE,
              'pack.json:application/json',
              'values.yaml:application/yaml',
            ],
            join(work, pack.name),
          );
        }
        return digestIn(stdout);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
    pushPackFiles: async (repository, tag, dirName, files) => {
      const work = mkdtempSync(join(tmpdir(), 'packyard-oci-pack-'));
      try {
        mkdirSync(join(work, dirName));
        for (const [file, content] of Object.entries(files)) {
          mkdirSync(dirname(join(work, dirName, file)), { recursive: true });
          writeFileSync(join(work, dirName, file), content);
        }
        const archive = `${dirName}-${tag}.tar.gz`;
        await execFileAsync('tar', ['-czf', archive, dirName], { cwd: work });
        const stdout = await oras(
          [
            'push',
            `${host}/${repository}:${tag}`,
            '--artifact-type',
            PACK_ARTIFACT_TYPE,
            `${archive}:${PACK_ARCHIVE_MEDIA_TYPE}`,
          ],
          work,
        );
        return digestIn(stdout);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
    seedCharts: async (repository, charts) => {
      const headers: Record<string, string> =
        auth === 'htpasswd'
          ? { authorization: `Basic ${Buffer.from(`${username}:${users.get(username)!}`).toString('base64')}` }
          : // The harness's own access: valid for the whole seeding, whatever the tokens it issues live.
            auth === 'token'
            ? { authorization: `Bearer ${mint(username, [parseScope(`repository:${repository}:pull,push`)], 300)}` }
            : {};
      const base = `http://${host}/v2/${repository}`;
      const put = async (body: Buffer) => {
        const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
        if ((await fetch(`${base}/blobs/${digest}`, { method: 'HEAD', headers })).status === 200)
          return { digest, size: body.length };
        const started = await fetch(`${base}/blobs/uploads/`, { method: 'POST', headers });
        const location = new URL(started.headers.get('location')!, `http://${host}`);
        location.searchParams.set('digest', digest);
        const done = await fetch(location, {
          method: 'PUT',
          headers: { ...headers, 'content-type': 'application/octet-stream' },
          body,
        });
        if (done.status !== 201)
          throw new Error(`blob upload to ${repository}: HTTP ${done.status} ${await done.text()}`);
        return { digest, size: body.length };
      };
      const digests: string[] = [];
      for (const chart of charts) {
        const layer = await put(await chartArchive(chart));
        const config = await put(Buffer.from(JSON.stringify({ apiVersion: 'v2', type: 'application', ...chart })));
        const manifest = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', ...config },
            layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', ...layer }],
            annotations: {
              'org.opencontainers.image.created': new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
              'org.opencontainers.image.title': chart.name,
              'org.opencontainers.image.version': chart.version,
            },
          }),
        );
        const res = await fetch(`${base}/manifests/${chart.version.replaceAll('+', '_')}`, {
          method: 'PUT',
          headers: { ...headers, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
          body: manifest,
        });
        if (res.status !== 201)
          throw new Error(`manifest upload to ${repository}: HTTP ${res.status} ${await res.text()}`);
        digests.push(res.headers.get('docker-content-digest')!);
      }
      return digests;
    },
    oras,
    stop,
    start,
    close: async () => {
      await stop();
      await tokenServer?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** `repository:charts/podinfo:pull,push` → its parts (names have no colon here). */
function parseScope(scope: string): Access {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}

/** The registry accepts a token until 60 s after its exp (distribution's leeway): exp is set so it stops at validForS. */
const REGISTRY_LEEWAY_S = 60;

function jwt(key: KeyObject, sub: string, access: Access[], validForS: number): string {
  const now = Math.floor(Date.now() / 1000);
  const expiresInS = validForS - REGISTRY_LEEWAY_S;
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ typ: 'JWT', alg: 'ES256', kid: KID })}.${b64({
    iss: ISSUER,
    sub,
    aud: SERVICE,
    exp: now + expiresInS,
    nbf: now - 5,
    iat: now,
    jti: randomUUID(),
    access,
  })}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

function digestIn(output: string): string {
  const digest = /Digest: (sha256:[0-9a-f]{64})/.exec(output)?.[1];
  if (!digest) throw new Error(`no digest in push output: ${output}`);
  return digest;
}

async function readBody(req: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** The values a seeded chart ships: every chart the harness seeds has the same defaults. */
export const SEEDED_CHART_VALUES = 'replicaCount: 1\n';

/** A real (minimal) chart archive, as `helm package` lays it out: the operator reads its values. */
async function chartArchive(chart: ChartSpec): Promise<Buffer> {
  const tar = tarPack();
  const chartYaml = `apiVersion: v2\nname: ${chart.name}\nversion: ${chart.version}\ntype: application\n`;
  tar.entry({ name: `${chart.name}/Chart.yaml` }, chartYaml);
  tar.entry({ name: `${chart.name}/values.yaml` }, SEEDED_CHART_VALUES);
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const c of tar) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}
