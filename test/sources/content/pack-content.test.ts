// Reading the files values need from real archives: charts packaged by the helm CLI and served by a
// Helm repository or pushed with `helm push`, the real hello-universe pack pushed with oras, and
// hostile archives — each refused with its reason, in bounded memory. Requests are counted.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import type { PackRegistrySpec } from '../../../src/api/packregistry.js';
import { readArchive, DEFAULT_ARCHIVE_LIMITS } from '../../../src/sources/content/archive.js';
import { ContentCache } from '../../../src/sources/content/content-cache.js';
import { PackContentSource } from '../../../src/sources/content/pack-content.js';
import { SELECTIONS } from '../../../src/sources/content/pack-files.js';
import { httpGet } from '../../../src/sources/http-client.js';
import type { HttpGetFn } from '../../../src/sources/oci/token-service.js';
import { makeHelmRepository } from '../../harness/helm-charts.js';
import { serveDirectory, content, startServer, type TestServer } from '../../harness/http-server.js';
import { startOciRegistry, type OciRegistry } from '../../harness/oci-registry.js';
import { paletteFixturePath } from '../../harness/palette-fixtures.js';
import { webChart } from '../../harness/values-charts.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const hello = (file: string) =>
  readFileSync(paletteFixturePath(`spectrocloud__pack-central__packs__hello-universe-1.3.1__${file}`));

/** An httpGet that counts requests and body bytes. */
function counted(): { http: HttpGetFn; requests: number; bytes: number } {
  const c = {
    requests: 0,
    bytes: 0,
    http: (async (url, opts) => {
      c.requests++;
      const res = await httpGet(url, opts);
      if (!res.notModified) c.bytes += res.body.length;
      return res;
    }) as HttpGetFn,
  };
  return c;
}

/** A tar.gz of the given entries, built in a stream (a 200 MB file costs its gzip, not its size). */
async function tgz(
  entries: { name: string; type?: 'file' | 'symlink' | 'directory'; linkname?: string; size?: number; body?: string }[],
): Promise<Buffer> {
  const tar = tarPack();
  const gz = createGzip();
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((r) => gz.on('end', r));
  tar.pipe(gz);
  for (const e of entries) {
    if (e.size !== undefined) {
      const sink = tar.entry({ name: e.name, size: e.size });
      const zeros = Buffer.alloc(1024 * 1024, 0x20);
      for (let left = e.size; left > 0; left -= zeros.length) {
        if (!sink.write(zeros.subarray(0, Math.min(left, zeros.length))))
          await new Promise<void>((r) => sink.once('drain', () => r()));
      }
      await new Promise<void>((r, j) => sink.end((err?: Error | null) => (err ? j(err) : r())));
    } else {
      await new Promise<void>((r, j) =>
        tar.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname }, e.body ?? '', (err) =>
          err ? j(err) : r(),
        ),
      );
    }
  }
  tar.finalize();
  await done;
  return Buffer.concat(out);
}

let repoDir: string;
let server: TestServer;
let oci: OciRegistry;
const hostile = new Map<string, Buffer>();
const helmSpec = (): PackRegistrySpec => ({ type: 'helm', url: `${server.url}/charts` }) as PackRegistrySpec;
const webVersion = () => {
  const bytes = readFileSync(join(repoDir, 'web-1.0.0.tgz'));
  return { version: '1.0.0', digest: sha(bytes), urls: ['web-1.0.0.tgz'] };
};

beforeAll(async () => {
  repoDir = makeHelmRepository([webChart('1.0.0')]);
  hostile.set(
    'bomb',
    await tgz([
      { name: 'bomb/Chart.yaml', body: 'name: bomb\n' },
      { name: 'bomb/templates/zeros.yaml', size: 300 * 1024 * 1024 },
    ]),
  );
  hostile.set(
    'many',
    await tgz(Array.from({ length: 100_000 }, (_, i) => ({ name: `many/templates/f${i}.yaml`, body: '' }))),
  );
  hostile.set(
    'symlink',
    await tgz([
      { name: 'link/Chart.yaml', body: 'name: link\n' },
      { name: 'link/values.yaml', type: 'symlink', linkname: '/etc/passwd' },
    ]),
  );
  hostile.set(
    'dotdot',
    await tgz([
      { name: 'up/Chart.yaml', body: 'name: up\n' },
      { name: 'up/../../values.yaml', body: 'a: 1\n' },
    ]),
  );
  hostile.set(
    'huge-values',
    await tgz([
      { name: 'huge/Chart.yaml', body: 'name: huge\n' },
      { name: 'huge/values.yaml', size: 200 * 1024 * 1024 },
    ]),
  );
  const routes: Record<string, ReturnType<typeof content>> = {};
  for (const [name, bytes] of hostile)
    routes[`/hostile/${name}.tgz`] = content(bytes, { contentType: 'application/gzip' });
  routes['/hang/web-1.0.0.tgz'] = () => {}; // never answers, as a registry in trouble may not
  server = await startServer({ routes: { '/charts/': serveDirectory(repoDir, '/charts/'), ...routes } });
  oci = await startOciRegistry({ auth: 'none' });
}, 240_000);

afterAll(async () => {
  await server?.close();
  await oci?.close();
  rmSync(repoDir, { recursive: true, force: true });
});

describe('pack content by digest', () => {
  it('reads a Helm chart from its repository: values, schemas and Chart.yaml of the chart and both subcharts (one a nested .tgz)', async () => {
    const c = counted();
    const source = new PackContentSource({ http: c.http });
    const files = await source.files({
      registry: { spec: helmSpec(), credentials: {} },
      chart: 'web',
      version: webVersion(),
    });
    expect(files.kind).toBe('helm');
    expect(Object.keys(files.files).sort()).toEqual([
      'Chart.yaml',
      'charts/cache/Chart.yaml',
      'charts/cache/values.schema.json',
      'charts/cache/values.yaml',
      'charts/db/Chart.yaml',
      'charts/db/values.schema.json',
      'charts/db/values.yaml',
      'values.schema.json',
      'values.yaml',
    ]);
    expect(files.files['charts/cache/values.yaml']).toBe('maxMemory: 64\n');
    expect(c.requests).toBe(1);
    // The same digest again: no request at all.
    await source.files({ registry: { spec: helmSpec(), credentials: {} }, chart: 'web', version: webVersion() });
    expect(c.requests).toBe(1);
  });

  it('an unchanged digest is not downloaded again after a restart when the cache has a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'packyard-content-cache-'));
    try {
      const first = counted();
      await new PackContentSource({ http: first.http, cache: new ContentCache(1024 * 1024, dir) }).files({
        registry: { spec: helmSpec(), credentials: {} },
        chart: 'web',
        version: webVersion(),
      });
      expect(first.requests).toBe(1);
      expect(readdirSync(dir)).toEqual([`helm-${webVersion().digest.slice(7)}.json`]);
      const restarted = counted();
      const files = await new PackContentSource({
        http: restarted.http,
        cache: new ContentCache(1024 * 1024, dir),
      }).files({ registry: { spec: helmSpec(), credentials: {} }, chart: 'web', version: webVersion() });
      expect(restarted.requests).toBe(0);
      expect(files.files['values.yaml']).toContain('replicaCount: 1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives up on a download that hangs at the registry's own timeout", async () => {
    const source = new PackContentSource();
    const spec = { type: 'helm', url: `${server.url}/hang`, timeout: '1s' } as PackRegistrySpec;
    await expect(
      source.files({ registry: { spec, credentials: {} }, chart: 'web', version: webVersion() }),
    ).rejects.toThrow(/no complete response within 1000 ms/);
  });

  it('refuses an archive that does not match the index digest', async () => {
    const source = new PackContentSource();
    const version = { ...webVersion(), digest: `sha256:${'0'.repeat(64)}` };
    await expect(
      source.files({ registry: { spec: helmSpec(), credentials: {} }, chart: 'web', version }),
    ).rejects.toThrow(/does not match the index's digest sha256:0000/);
  });

  it("sends the registry's credentials to its own origin only: not to another host, an http:// URL or an oci:// host the index names", async () => {
    // A stranger that would take credentials: it challenges for them on every path.
    const stranger = await startServer({
      routes: {
        '/': (req, res) =>
          void (req.headers.authorization
            ? res.writeHead(404).end()
            : res.writeHead(401, { 'www-authenticate': 'Basic realm="stranger"' }).end()),
      },
    });
    try {
      const source = new PackContentSource();
      const read = (
        spec: PackRegistrySpec,
        url: string,
        auth: { username: string; password: string } | { token: string },
      ) =>
        source.files({
          registry: { spec, credentials: { auth } },
          chart: 'web',
          version: { version: '1.0.0', urls: [url] },
        });
      const basic = { username: 'alice', password: 'repo-password' };
      const token = { token: 'repo-token' };
      for (const auth of [basic, token]) {
        await expect(read(helmSpec(), `${stranger.url}/web-1.0.0.tgz`, auth)).rejects.toThrow(/HTTP 401/);
        await expect(read(helmSpec(), `oci://127.0.0.1:${stranger.port}/charts/web:1.0.0`, auth)).rejects.toThrow(
          /HTTP 401/,
        );
        // Same host and port, but the repository is https: the chart's http:// URL gets nothing in clear text.
        const https = { type: 'helm', url: `https://127.0.0.1:${stranger.port}/charts` } as PackRegistrySpec;
        await expect(read(https, `http://127.0.0.1:${stranger.port}/web-1.0.0.tgz`, auth)).rejects.toThrow(/HTTP 401/);
      }
      expect(stranger.requests.length).toBeGreaterThanOrEqual(6);
      expect(stranger.requests.filter((r) => r.headers.authorization)).toEqual([]);

      // Its own origin gets them, as before.
      await read(helmSpec(), 'web-1.0.0.tgz', basic);
      expect(server.requests.at(-1)?.headers.authorization).toBe(
        `Basic ${Buffer.from('alice:repo-password').toString('base64')}`,
      );
    } finally {
      await stranger.close();
    }
  });

  it('reads the chart layer of an OCI chart pushed with helm push, by manifest digest', async () => {
    const digest = await oci.pushChart(webChart('2.0.0'), 'charts');
    const c = counted();
    const source = new PackContentSource({ http: c.http });
    const spec = { type: 'oci', url: `oci://${oci.host}/charts` } as PackRegistrySpec;
    const version = { version: '2.0.0', digest, urls: [`oci://${oci.host}/charts/web:2.0.0`] };
    const files = await source.files({ registry: { spec, credentials: {} }, chart: 'web', version });
    expect(files.files['charts/db/values.schema.json']).toContain('2020-12');
    const first = c.requests;
    await source.files({ registry: { spec, credentials: {} }, chart: 'web', version });
    expect(c.requests).toBe(first);
  });

  it('reads the real hello-universe pack (values, presets, schema, pack.json) from its archive pushed with oras', async () => {
    const digest = await oci.pushPackFiles('spectro-packs/archive/hello-universe', '1.3.1', 'hello-universe', {
      'pack.json': hello('pack.json'),
      'values.yaml': hello('values.yaml'),
      'presets.yaml': hello('presets.yaml'),
      'schema.yaml': hello('schema.yaml'),
      'manifests/hello-universe.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: hello-universe\n',
    });
    const spec = { type: 'oci', url: `oci://${oci.host}`, oci: { content: 'pack' } } as PackRegistrySpec;
    const version = {
      version: '1.3.1',
      digest,
      urls: [`oci://${oci.host}/spectro-packs/archive/hello-universe:1.3.1`],
    };
    const files = await new PackContentSource().files({
      registry: { spec, credentials: {} },
      chart: 'hello-universe',
      version,
    });
    expect(files.kind).toBe('palette');
    expect(Object.keys(files.files).sort()).toEqual(['pack.json', 'presets.yaml', 'schema.yaml', 'values.yaml']);
    expect(files.files['presets.yaml']).toBe(hello('presets.yaml').toString('utf8'));
  });
});

describe('hostile archives are refused with a clear reason, in bounded memory', () => {
  const cases: [string, RegExp][] = [
    ['bomb', /inflates to more than 256 MiB \(the limit\): a decompression bomb/],
    ['many', /has more than 20000 entries \(the limit\)/],
    ['symlink', /contains a link link\/values.yaml → \/etc\/passwd; links are refused/],
    ['dotdot', /contains "up\/..\/..\/values.yaml", a path outside the archive; refused/],
    ['huge-values', /huge\/values.yaml is 200 MiB, more than the limit of 8 MiB for one file/],
  ];
  it.each(cases)('%s', async (name, reason) => {
    const bytes = hostile.get(name)!;
    const before = process.memoryUsage();
    const source = new PackContentSource();
    const version = { version: '1.0.0', digest: sha(bytes), urls: [`${server.url}/hostile/${name}.tgz`] };
    await expect(
      source.files({ registry: { spec: helmSpec(), credentials: {} }, chart: name, version }),
    ).rejects.toThrow(reason);
    const after = process.memoryUsage();
    // Streamed: neither the inflated bytes nor the oversized file are ever held.
    expect(after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers)).toBeLessThan(
      96 * 1024 * 1024,
    );
  });

  it('a chart archive is read within the limits with room to spare', async () => {
    const files = await readArchive(
      readFileSync(join(repoDir, 'web-1.0.0.tgz')),
      SELECTIONS.helm,
      { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 20 },
      'web',
    );
    expect(files.has('values.yaml')).toBe(true);
  });
});
