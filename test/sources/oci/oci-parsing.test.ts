// The pure pieces of the OCI client: challenges, Link headers, tags as versions, URLs, tar and
// pack.json reading, the LRU and the concurrency limit.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseChallenges, preferredChallenge } from '../../../src/sources/oci/auth-challenge.js';
import { mapLimit } from '../../../src/sources/oci/concurrency.js';
import { nextLink } from '../../../src/sources/oci/link-header.js';
import { Lru } from '../../../src/sources/oci/lru.js';
import { packJsonFromTar, packJsonLayer, parsePackJson } from '../../../src/sources/oci/palette-pack.js';
import { isLoopback, parseOciUrl, tagVersion } from '../../../src/sources/oci/reference.js';
import { tarFiles, untarBytes } from '../../../src/sources/oci/tar.js';

describe('WWW-Authenticate', () => {
  it('reads Bearer and Basic challenges with quoted, escaped and comma-holding values', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
      },
    ]);
    expect(
      parseChallenges('Basic realm="x \\"y\\"", Bearer realm=https://t.example/token, error="insufficient_scope"'),
    ).toEqual([
      { scheme: 'basic', params: { realm: 'x "y"' } },
      { scheme: 'bearer', params: { realm: 'https://t.example/token', error: 'insufficient_scope' } },
    ]);
    expect(preferredChallenge('Basic realm="r", Bearer realm="https://t/token"')?.scheme).toBe('bearer');
    expect(preferredChallenge('Basic realm="registry"')?.scheme).toBe('basic');
    expect(preferredChallenge(undefined)).toBeUndefined();
    expect(parseChallenges('=,"broken')).toEqual([]);
  });
});

describe('Link headers', () => {
  it('finds rel="next" among links, relative to the answering URL', () => {
    const base = 'https://r.example/v2/_catalog?n=2';
    expect(nextLink('</v2/_catalog?last=b&n=2>; rel="next"', base)).toBe('https://r.example/v2/_catalog?last=b&n=2');
    expect(nextLink('<https://r.example/first>; rel="first", </v2/x?last=c>; rel=next', base)).toBe(
      'https://r.example/v2/x?last=c',
    );
    expect(nextLink('</v2/x>; rel="prev"', base)).toBeUndefined();
    expect(nextLink(undefined, base)).toBeUndefined();
  });
});

describe('tags as versions', () => {
  it('maps _ back to + and keeps the tag as the published version, read as Helm reads versions; other tags are not versions', () => {
    expect(tagVersion('1.2.3_build.5')?.version).toBe('1.2.3+build.5');
    expect(tagVersion('v1.2')?.version).toBe('v1.2');
    expect(tagVersion('1.5')?.version).toBe('1.5');
    expect(tagVersion('2.0.2-up.4')?.version).toBe('2.0.2-up.4');
    expect(tagVersion('3.5.0079')?.version).toBe('3.5.0079');
    expect(tagVersion('1.0.0-01')).toBeUndefined();
    expect(tagVersion('1.0.0-rc.1')?.version).toBe('1.0.0-rc.1');
    for (const tag of ['latest', 'main', 'sha-1234abc', '1.2.3.4', '']) expect(tagVersion(tag)).toBeUndefined();
  });
});

describe('oci:// URLs', () => {
  it('uses plain http only for loopback hosts without TLS settings', () => {
    expect(parseOciUrl('oci://127.0.0.1:5000/a/b/')).toEqual({
      host: '127.0.0.1:5000',
      basePath: 'a/b',
      origin: 'http://127.0.0.1:5000',
    });
    expect(parseOciUrl('oci://localhost:5000').origin).toBe('http://localhost:5000');
    expect(parseOciUrl('oci://[::1]:5000').origin).toBe('http://[::1]:5000');
    expect(parseOciUrl('oci://127.0.0.1:5000', { tls: true }).origin).toBe('https://127.0.0.1:5000');
    expect(parseOciUrl('oci://registry.example.com/charts')).toEqual({
      host: 'registry.example.com',
      basePath: 'charts',
      origin: 'https://registry.example.com',
    });
    expect(parseOciUrl('oci://10.0.0.1:5000').origin).toBe('https://10.0.0.1:5000');
    expect(isLoopback('127.10.0.1')).toBe(true);
    expect(isLoopback('128.0.0.1')).toBe(false);
    expect(() => parseOciUrl('https://registry.example.com')).toThrow(/not an oci:/);
    expect(() => parseOciUrl('oci://user:pw@registry.example.com')).toThrow(/not an oci:/);
  });
});

describe('pack archives', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'packyard-tar-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const tar = (args: string[], files: Record<string, string>) => {
    const root = mkdtempSync(join(dir, 'src-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    execFileSync('tar', [...args, '-cf', join(root, 'out.tar'), ...Object.keys(files).map((f) => f.split('/')[0]!)], {
      cwd: root,
    });
    return readFileSync(join(root, 'out.tar'));
  };

  it('finds pack.json at the root or one directory down, in ustar, GNU and pax archives', () => {
    expect(
      packJsonFromTar(tar([], { 'cni-calico/pack.json': '{"a":1}', 'cni-calico/values.yaml': 'x: 1' }))?.toString(),
    ).toBe('{"a":1}');
    expect(packJsonFromTar(tar(['--format=ustar'], { 'pack.json': '{"root":1}', 'values.yaml': '' }))?.toString()).toBe(
      '{"root":1}',
    );
    const long = `${'d'.repeat(120)}/pack.json`;
    expect(packJsonFromTar(tar(['--format=gnu'], { [long]: '{"gnu":1}' }))?.toString()).toBe('{"gnu":1}');
    expect(packJsonFromTar(tar(['--format=pax'], { [long]: '{"pax":1}' }))?.toString()).toBe('{"pax":1}');
    expect(packJsonFromTar(tar([], { 'a/b/pack.json': '{}' }))).toBeUndefined(); // too deep to be the pack's own
    expect(tarFiles(Buffer.from('not a tar at all'), () => true).size).toBe(0);
  });

  it('gunzips archives, and refuses one that inflates past the limit', async () => {
    const raw = tar([], { 'p/pack.json': '{}' });
    expect(await untarBytes(gzipSync(raw), 1 << 20)).toEqual(raw);
    expect(await untarBytes(raw, 1 << 20)).toBe(raw);
    await expect(untarBytes(gzipSync(Buffer.alloc(1 << 20)), 1024)).rejects.toMatchObject({ reason: 'IndexTooLarge' });
  });
});

describe('pack.json', () => {
  it('reads Palette fields and constraints, dropping what cannot be checked', () => {
    const pack = parsePackJson(
      Buffer.from(
        JSON.stringify({
          name: 'cni-calico',
          displayName: 'Calico',
          version: '3.27.0',
          layer: 'cni',
          addonType: 'cni',
          cloudTypes: ['all', 7],
          constraints: {
            dependencies: [
              { packName: 'kubernetes', layer: 'k8s', minVersion: '1.25.0', maxVersion: '', type: 'required' },
              { packName: 'csi-x', layer: 'storage', type: 'optional' },
              { packName: '', type: 'required' },
              { packName: 'y', type: 'sometimes' },
            ],
          },
        }),
      ),
    );
    expect(pack).toEqual({
      name: 'cni-calico',
      displayName: 'Calico',
      version: '3.27.0',
      layer: 'cni',
      addonType: 'cni',
      cloudTypes: ['all'],
      dependencies: [
        { packName: 'kubernetes', layer: 'k8s', minVersion: '1.25.0', type: 'required' },
        { packName: 'csi-x', type: 'optional' },
      ],
    });
    expect(parsePackJson(Buffer.from('{"layer":"mystery"}'))).toEqual({ layer: 'addon' });
    expect(parsePackJson(Buffer.from('[1]'))).toBeUndefined();
    expect(parsePackJson(Buffer.from('nope'))).toBeUndefined();
  });

  it('finds the layer that holds pack.json and never looks into images or charts', () => {
    const d = (mediaType: string, title?: string) => ({
      mediaType,
      digest: `sha256:${'a'.repeat(64)}`,
      size: 1,
      ...(title ? { annotations: { 'org.opencontainers.image.title': title } } : {}),
    });
    expect(
      packJsonLayer({ layers: [d('application/yaml', 'values.yaml'), d('application/json', 'pack.json')] })?.archive,
    ).toBe(false);
    expect(packJsonLayer({ layers: [d('application/vnd.oci.image.layer.v1.tar', 'p-1.0.0.tar.gz')] })?.archive).toBe(
      true,
    );
    expect(packJsonLayer({ layers: [d('application/octet-stream', 'p.tgz')] })?.archive).toBe(true);
    expect(packJsonLayer({ layers: [d('text/plain', 'readme.txt')] })).toBeUndefined();
    expect(
      packJsonLayer({
        config: d('application/vnd.oci.image.config.v1+json'),
        layers: [d('application/vnd.oci.image.layer.v1.tar+gzip')],
      }),
    ).toBeUndefined();
    expect(
      packJsonLayer({
        config: d('application/vnd.cncf.helm.config.v1+json'),
        layers: [d('application/vnd.cncf.helm.chart.content.v1.tar+gzip')],
      }),
    ).toBeUndefined();
  });
});

describe('Lru and mapLimit', () => {
  it('evicts the least recently used entry and expires entries', () => {
    let now = 0;
    const lru = new Lru<string, number>(2, () => now);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.get('a');
    lru.set('c', 3);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([1, undefined, 3]);
    lru.set('t', 4, 1000);
    now = 999;
    expect(lru.get('t')).toBe(4);
    now = 1000;
    expect(lru.get('t')).toBeUndefined();
  });

  it('keeps at most `limit` calls in flight, keeps order, and stops handing out work after a failure', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([...Array(20).keys()], 3, async (i) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return i * 2;
    });
    expect(out).toEqual([...Array(20).keys()].map((i) => i * 2));
    expect(peak).toBe(3);
    let started = 0;
    await expect(
      mapLimit([...Array(100).keys()], 2, async (i) => {
        started++;
        if (i === 1) throw new Error('boom');
        await new Promise((r) => setTimeout(r, 5));
      }),
    ).rejects.toThrow('boom');
    await new Promise((r) => setTimeout(r, 20));
    expect(started).toBeLessThan(5);
  });
});
