// `packyard pack push` against the real CNCF distribution registry (htpasswd and token auth), read
// back with the real oras CLI, compared with what `oras push` itself makes of the same archive, and
// through a proxy that refuses large bodies (413) as nginx's client_max_body_size does.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBodyLimitProxy, type BodyLimitProxy } from '../harness/body-limit-proxy.js';
import { startOciRegistry, type OciRegistry } from '../harness/oci-registry.js';
import { treeOf, writeFixturePack } from '../harness/palette-packs.js';
import { runCli, tempDir } from './cli-harness.js';

const ARCHIVE_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';
let registry: OciRegistry;
let work: string;
let packDir: string;

/** A docker config in its own directory logging in to `host`; returns the directory (DOCKER_CONFIG). */
function dockerConfig(host: string, username: string, password: string): string {
  const dir = tempDir('packyard-docker-');
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } }),
  );
  return dir;
}

/** Pulls `ref` with the real oras CLI and unpacks the archive it holds with the real tar; returns the pack's files. */
async function pullAndUnpack(reg: OciRegistry, ref: string, name: string): Promise<Map<string, Buffer>> {
  const out = tempDir('packyard-pull-');
  try {
    await reg.oras(['pull', ref, '-o', out]);
    const files = readdirSync(out);
    expect(files).toEqual([expect.stringMatching(new RegExp(`^${name}-.*\\.tar\\.gz$`))]);
    execFileSync('tar', ['-xzf', join(out, files[0]!), '-C', out]);
    return treeOf(join(out, name));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  registry = await startOciRegistry({ auth: 'htpasswd' });
  work = tempDir('packyard-push-');
  packDir = writeFixturePack('elastic-stack-0.19.0', join(work, 'elastic-stack'));
}, 120_000);

afterAll(async () => {
  await registry?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('packyard pack push', () => {
  it('pushes a pack directory where the sync looks, and oras pull gives back the input files', async () => {
    const env = { DOCKER_CONFIG: dockerConfig(registry.host, registry.username, registry.password) };
    const r = await runCli(['pack', 'push', packDir, `oci://${registry.host}/palette`], { env });
    expect(r.stderr).toBe('pushed elastic-stack 0.19.0: 2 blobs uploaded, 0 already in the registry\n');
    expect(r.code).toBe(0);
    const ref = `${registry.host}/palette/spectro-packs/archive/elastic-stack:0.19.0`;
    expect(r.stdout).toMatch(new RegExp(`^${ref.replace(/\./g, '\\.')}@sha256:[0-9a-f]{64}\\n$`));
    expect(await pullAndUnpack(registry, ref, 'elastic-stack')).toEqual(treeOf(packDir));
  }, 60_000);

  it('writes the manifest oras push writes for the same archive (all but the time it was made)', async () => {
    const env = { DOCKER_CONFIG: dockerConfig(registry.host, registry.username, registry.password) };
    const dist = join(work, 'dist');
    mkdirSync(dist);
    expect((await runCli(['pack', 'build', packDir, '-o', join(dist, 'elastic-stack-0.19.0.tar.gz')])).code).toBe(0);
    // The built file, pushed by us and by oras.
    expect(
      (
        await runCli(['pack', 'push', join(dist, 'elastic-stack-0.19.0.tar.gz'), `oci://${registry.host}/ours`], {
          env,
        })
      ).code,
    ).toBe(0);
    await registry.oras(
      [
        'push',
        `${registry.host}/theirs/spectro-packs/archive/elastic-stack:0.19.0`,
        `elastic-stack-0.19.0.tar.gz:${ARCHIVE_TYPE}`,
      ],
      dist,
    );
    const manifest = async (base: string) => {
      const m = JSON.parse(
        await registry.oras([
          'manifest',
          'fetch',
          `${registry.host}/${base}/spectro-packs/archive/elastic-stack:0.19.0`,
        ]),
      ) as { annotations: Record<string, string> };
      expect(m.annotations['org.opencontainers.image.created']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      delete m.annotations['org.opencontainers.image.created'];
      return m;
    };
    const ours = await manifest('ours');
    expect(ours).toEqual(await manifest('theirs'));
    // And the directory push of the same pack uploaded the same archive bytes.
    const fromDir = JSON.parse(
      await registry.oras(['manifest', 'fetch', `${registry.host}/palette/spectro-packs/archive/elastic-stack:0.19.0`]),
    ) as typeof ours & { layers: unknown[] };
    expect(fromDir.layers).toEqual((ours as typeof fromDir).layers);
  }, 60_000);

  it('sends no blob the registry already holds', async () => {
    const env = { DOCKER_CONFIG: dockerConfig(registry.host, registry.username, registry.password) };
    await registry.settle();
    const before = registry.requests(/^packyard/).length;
    const r = await runCli(['pack', 'push', packDir, `oci://${registry.host}/palette`], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('pushed elastic-stack 0.19.0: 0 blobs uploaded, 2 already in the registry\n');
    await registry.settle();
    const sent = registry
      .requests(/^packyard/)
      .slice(before)
      .filter((q) => q.status < 400)
      .map(
        (q) => `${q.method} ${q.url.replace(/sha256:[0-9a-f]+/, 'DIGEST').replace(/\/[^/]+\/blobs/, '/REPO/blobs')}`,
      );
    expect(sent.filter((s) => !s.startsWith('HEAD') && !s.startsWith('GET /v2/'))).toEqual([
      'PUT /v2/palette/spectro-packs/archive/elastic-stack/manifests/0.19.0',
    ]);
  }, 60_000);

  it('uploads in chunks when asked, and build metadata becomes a tag the sync reads back', async () => {
    const env = { DOCKER_CONFIG: dockerConfig(registry.host, registry.username, registry.password) };
    const dir = writeFixturePack('hello-universe-1.3.1', join(work, 'hello'));
    writeFileSync(
      join(dir, 'pack.json'),
      readFileSync(join(dir, 'pack.json'), 'utf8').replace('"1.3.1"', '"1.3.1+k3s1"'),
    );
    writeFileSync(join(dir, 'noise.bin'), randomBytes(3000)); // incompressible: the archive is several chunks
    await registry.settle();
    const before = registry.requests(/^packyard/).length;
    const r = await runCli(['pack', 'push', dir, `oci://${registry.host}`, '--chunk-size', '1024'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\/spectro-packs\/archive\/hello-universe:1\.3\.1_k3s1@sha256:/);
    await registry.settle();
    const patches = registry
      .requests(/^packyard/)
      .slice(before)
      .filter((q) => q.method === 'PATCH' && q.status === 202);
    expect(patches.length).toBeGreaterThanOrEqual(4);
    expect(
      await pullAndUnpack(
        registry,
        `${registry.host}/spectro-packs/archive/hello-universe:1.3.1_k3s1`,
        'hello-universe',
      ),
    ).toEqual(treeOf(dir));
  }, 60_000);

  it('gives the same manifest digest on every push with SOURCE_DATE_EPOCH', async () => {
    const env = {
      DOCKER_CONFIG: dockerConfig(registry.host, registry.username, registry.password),
      SOURCE_DATE_EPOCH: '1700000000',
    };
    const first = await runCli(['pack', 'push', packDir, `oci://${registry.host}/epoch`], { env });
    const second = await runCli(['pack', 'push', packDir, `oci://${registry.host}/epoch`], { env });
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(second.stdout).toBe(first.stdout);
    const m = JSON.parse(await registry.oras(['manifest', 'fetch', first.stdout.trim()])) as {
      annotations: Record<string, string>;
    };
    expect(m.annotations['org.opencontainers.image.created']).toBe('2023-11-14T22:13:20Z');
  }, 60_000);

  it('says whose credentials the registry rejected (401), without the secret', async () => {
    const env = { DOCKER_CONFIG: dockerConfig(registry.host, registry.username, 'wrong-Pa55word') };
    const r = await runCli(['pack', 'push', packDir, `oci://${registry.host}/palette`], { env });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(
      /^error: push 127\.0\.0\.1:\d+\/palette\/spectro-packs\/archive\/elastic-stack:0\.19\.0: HEAD http:\/\/.*: HTTP 401 Unauthorized \(the registry rejected the credentials from docker config .*config\.json \(basic auth\)\)/,
    );
    expect(r.stderr).not.toContain('wrong-Pa55word');
    const none = await runCli(['pack', 'push', packDir, `oci://${registry.host}/palette`]);
    expect(none.code).toBe(4);
    expect(none.stderr).toContain(
      'the registry requires credentials (basic auth) and none were found (in the docker config ',
    );
  }, 60_000);

  it('uses --registry NAME credentials from the environment', async () => {
    const env = {
      PACKYARD_REGISTRY_PALETTE_USERNAME: registry.username,
      PACKYARD_REGISTRY_PALETTE_PASSWORD: registry.password,
    };
    const r = await runCli(['pack', 'push', packDir, `oci://${registry.host}/env`, '--registry', 'palette'], { env });
    expect(r.stderr).toBe('pushed elastic-stack 0.19.0: 2 blobs uploaded, 0 already in the registry\n');
    expect(r.code).toBe(0);
  }, 60_000);

  describe('behind a proxy that refuses large bodies (413)', () => {
    let bigPack: string;
    let proxy: BodyLimitProxy | undefined;
    beforeAll(() => {
      bigPack = writeFixturePack('kubevious-1.0.10', join(work, 'kubevious'));
      writeFileSync(join(bigPack, 'noise.bin'), randomBytes(20_000));
    });
    afterEach(async () => {
      await proxy?.close();
      proxy = undefined;
    });

    it('starts again in chunks when the one request is refused', async () => {
      proxy = await startBodyLimitProxy(registry.url, 16 * 1024);
      const env = { DOCKER_CONFIG: dockerConfig(proxy.host, registry.username, registry.password) };
      const r = await runCli(['pack', 'push', bigPack, `oci://${proxy.host}/limited`], { env });
      expect(r.stderr).toBe('pushed kubevious 1.0.10: 2 blobs uploaded, 0 already in the registry\n');
      expect(r.code).toBe(0);
      expect(proxy.refused).toEqual([
        expect.stringMatching(/^PUT \/v2\/limited\/spectro-packs\/archive\/kubevious\/blobs\/uploads\//),
      ]);
      expect(
        await pullAndUnpack(registry, `${registry.host}/limited/spectro-packs/archive/kubevious:1.0.10`, 'kubevious'),
      ).toEqual(treeOf(bigPack));
    }, 60_000);

    it('says what size was refused when chunks are refused too', async () => {
      proxy = await startBodyLimitProxy(registry.url, 1024);
      const env = { DOCKER_CONFIG: dockerConfig(proxy.host, registry.username, registry.password) };
      const r = await runCli(['pack', 'push', bigPack, `oci://${proxy.host}/tiny`], { env });
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(
        /: PATCH http:\/\/127\.0\.0\.1:\d+\/v2\/tiny\/spectro-packs\/archive\/kubevious\/blobs\/uploads\/\S+: HTTP 413 Payload Too Large: the registry \(or a proxy in front of it\) refuses a chunk of \d+ bytes \(of \d+\): <html><body><h1>413 Request Entity Too Large<\/h1><\/body><\/html>\n$/,
      );
    }, 60_000);
  });
});

describe('packyard pack push with token auth', () => {
  let tokenRegistry: OciRegistry;
  beforeAll(async () => {
    tokenRegistry = await startOciRegistry({ auth: 'token' });
  }, 60_000);
  afterAll(async () => tokenRegistry?.close());

  it('gets a push token from the token service and pushes', async () => {
    const env = { DOCKER_CONFIG: dockerConfig(tokenRegistry.host, tokenRegistry.username, tokenRegistry.password) };
    const r = await runCli(['pack', 'push', packDir, `oci://${tokenRegistry.host}/team`], { env });
    expect(r.stderr).toBe('pushed elastic-stack 0.19.0: 2 blobs uploaded, 0 already in the registry\n');
    expect(r.code).toBe(0);
    const scopes = tokenRegistry
      .tokenServer!.requests.map((q) => new URL(q.url, 'http://x').searchParams.getAll('scope'))
      .flat();
    expect(scopes).toContain('repository:team/spectro-packs/archive/elastic-stack:pull,push');
    expect(
      await pullAndUnpack(
        tokenRegistry,
        `${tokenRegistry.host}/team/spectro-packs/archive/elastic-stack:0.19.0`,
        'elastic-stack',
      ),
    ).toEqual(treeOf(packDir));
  }, 60_000);

  it('is refused without credentials, and says so', async () => {
    const r = await runCli(['pack', 'push', packDir, `oci://${tokenRegistry.host}/team`]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(
      /HTTP 401 Unauthorized \(the registry requires credentials \(token auth(, insufficient_scope)?\) and none were found/,
    );
  }, 60_000);
});
