// OciRegistrySource against a real CNCF distribution registry with htpasswd auth, holding charts
// pushed by the real `helm push` and Palette packs pushed by the real `oras push`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CatalogPack } from '../../../src/sources/catalog.js';
import { closeHttpAgents } from '../../../src/sources/http-client.js';
import { OciRegistrySource } from '../../../src/sources/oci/oci-registry-source.js';
import { SourceError } from '../../../src/sources/source-error.js';
import { startOciRegistry, type OciRegistry } from '../../harness/oci-registry.js';
import { countingHttp, syncRequest } from './oci-test-support.js';

let registry: OciRegistry;
const digests: Record<string, string> = {};
let auth: { username: string; password: string };

beforeAll(async () => {
  registry = await startOciRegistry({ auth: 'htpasswd' });
  auth = { username: registry.username, password: registry.password };
  for (const chart of [
    { name: 'podinfo', version: '6.5.0', appVersion: '6.5.0' },
    {
      name: 'podinfo',
      version: '6.6.0',
      appVersion: '6.6.0',
      kubeVersion: '>=1.23.0-0',
      icon: 'https://example.com/podinfo.png',
    },
    { name: 'podinfo', version: '6.7.0-rc.1', appVersion: '6.7.0' },
    {
      name: 'cilium',
      version: '1.15.0',
      annotations: { 'packyard.io/layer': 'cni', 'packyard.io/display-name': 'Cilium' },
    },
    {
      name: 'cilium',
      version: '1.16.0+build.5',
      annotations: { 'packyard.io/layer': 'cni', 'packyard.io/display-name': 'Cilium' },
    },
  ]) {
    digests[`${chart.name}:${chart.version}`] = await registry.pushChart(chart, 'charts');
  }
  // A tag that is not a version, and an artifact that is not a chart, in the same namespace.
  await registry.oras(['tag', `${registry.host}/charts/podinfo:6.6.0`, 'latest']);
  const other = mkdtempSync(join(tmpdir(), 'packyard-other-'));
  writeFileSync(join(other, 'readme.txt'), 'not a chart\n');
  await registry.oras(
    [
      'push',
      `${registry.host}/charts/notachart:1.0.0`,
      '--artifact-type',
      'application/vnd.example.other.v1',
      'readme.txt:text/plain',
    ],
    other,
  );
  rmSync(other, { recursive: true, force: true });

  const calico = { name: 'cni-calico', displayName: 'Calico', layer: 'cni', addonType: 'cni', cloudTypes: ['all'] };
  const k8sDep = { packName: 'kubernetes', layer: 'k8s', minVersion: '1.25.0', maxVersion: '', type: 'required' };
  digests['cni-calico:3.27.0'] = await registry.pushPack(
    { ...calico, version: '3.27.0', dependencies: [k8sDep] },
    'base/spectro-packs/archive/cni-calico',
  );
  digests['cni-calico:3.26.1'] = await registry.pushPack(
    { ...calico, version: '3.26.1' },
    'base/spectro-packs/archive/cni-calico',
  );
  digests['kubernetes:1.29.0'] = await registry.pushPack(
    {
      name: 'kubernetes',
      displayName: 'Palette eXtended Kubernetes',
      version: '1.29.0',
      layer: 'k8s',
      dependencies: [
        { packName: 'cni-calico', type: 'optional' },
        { packName: 'cilium', layer: 'cni', maxVersion: '1.14.0', type: 'notSupported' },
      ],
    },
    'base/spectro-packs/archive/kubernetes',
    'files',
  );
  await registry.pushPack({ name: 'elsewhere', version: '1.0.0' }, 'base/other/elsewhere');
}, 120_000);

afterAll(async () => {
  await registry?.close();
  await closeHttpAgents();
});

const byName = (packs: CatalogPack[]) => Object.fromEntries(packs.map((p) => [p.name, p]));

describe('OciRegistrySource, content helm', () => {
  it('discovers charts under the base path through _catalog and reads their config blobs', async () => {
    const source = new OciRegistrySource();
    const result = await source.sync(syncRequest({ url: `oci://${registry.host}/charts` }, { auth }));
    if (!result.changed) throw new Error('expected a catalogue');
    expect(result.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    // `latest` is not a version; notachart's config is not a Helm chart; 6.7.0-rc.1 is listed, flagged a prerelease.
    expect(result.skippedVersions).toBe(2);
    const packs = byName(result.packs);
    expect(Object.keys(packs)).toEqual(['cilium', 'podinfo']);
    expect(packs.podinfo).toMatchObject({
      name: 'podinfo',
      layer: 'addon',
      displayName: 'podinfo',
      latest: '6.6.0',
      versionCount: 3,
      icon: 'https://example.com/podinfo.png',
    });
    expect(packs.podinfo!.versions.map((v) => [v.version, v.prerelease])).toEqual([
      ['6.7.0-rc.1', true],
      ['6.6.0', undefined],
      ['6.5.0', undefined],
    ]);
    expect(packs.podinfo!.versions[1]).toMatchObject({
      version: '6.6.0',
      appVersion: '6.6.0',
      kubeVersion: '>=1.23.0-0',
      digest: digests['podinfo:6.6.0'],
      urls: [`oci://${registry.host}/charts/podinfo:6.6.0`],
    });
    expect(packs.podinfo!.versions[0]!.created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    // The tag 1.16.0_build.5 is the version 1.16.0+build.5 (Helm's convention); layer and display name from annotations.
    expect(packs.cilium).toMatchObject({ layer: 'cni', displayName: 'Cilium', latest: '1.16.0+build.5' });
    expect(packs.cilium!.versions.map((v) => v.version)).toEqual(['1.16.0+build.5', '1.15.0']);
    expect(packs.cilium!.versions[0]!.urls).toEqual([`oci://${registry.host}/charts/cilium:1.16.0_build.5`]);
    expect(packs.cilium!.versions[0]!.digest).toBe(digests['cilium:1.16.0+build.5']);
  });

  it('shares the listings and HEADs of two registries reading one registry at once, as it shares blobs', async () => {
    const url = `oci://${registry.host}/charts`;
    const alone = countingHttp();
    await new OciRegistrySource({ http: alone.http }).sync(syncRequest({ url }, { auth }));
    const together = countingHttp();
    const source = new OciRegistrySource({ http: together.http });
    const [a, b] = await Promise.all([
      source.sync({ ...syncRequest({ url }, { auth }), registryName: 'a' }),
      source.sync({ ...syncRequest({ url }, { auth }), registryName: 'b' }),
    ]);
    expect(a).toEqual(b);
    const pick = (c: ReturnType<typeof alone.counts>) => ({
      ping: c.ping,
      catalog: c.catalog,
      tags: c.tags,
      heads: c['manifest-head'],
      manifests: c['manifest-get'],
      blobs: c.blob,
    });
    expect(pick(together.counts())).toEqual(pick(alone.counts()));
    expect(alone.counts()['manifest-head']).toBeGreaterThan(0);
  });

  it('shares nothing between registries with different credentials: a wrong password still fails alone', async () => {
    const url = `oci://${registry.host}/charts`;
    const source = new OciRegistrySource();
    const [good, bad] = await Promise.allSettled([
      source.sync({ ...syncRequest({ url }, { auth }), registryName: 'good' }),
      source.sync({
        ...syncRequest({ url }, { auth: { username: auth.username, password: 'wrong' } }),
        registryName: 'bad',
      }),
    ]);
    expect(good.status).toBe('fulfilled');
    expect(bad.status === 'rejected' && bad.reason instanceof SourceError && bad.reason.reason).toBe(
      'AuthenticationFailed',
    );
  });

  it('re-syncs an unchanged registry with tag listings and HEADs only, and reports it unchanged', async () => {
    const counter = countingHttp();
    const source = new OciRegistrySource({ http: counter.http });
    const request = syncRequest({ url: `oci://${registry.host}/charts` }, { auth });
    const first = await source.sync(request);
    if (!first.changed) throw new Error('expected a catalogue');
    const firstCounts = counter.counts();
    expect(firstCounts).toMatchObject({ ping: 2, catalog: 1, tags: 3, 'manifest-head': 6, 'manifest-get': 6, blob: 5 });

    const mark = counter.calls.length;
    await registry.settle();
    const serverMark = registry.requests(/^packyard/).length;
    const second = await source.sync({ ...request, previous: { revision: first.revision } });
    expect(second).toEqual({ changed: false });
    expect(counter.counts(mark)).toEqual({ ping: 2, catalog: 1, tags: 3, 'manifest-head': 6 });
    // The same, counted at the registry: nothing but GET /v2/, _catalog, tags/list and HEAD manifests.
    await registry.settle();
    const atServer = registry.requests(/^packyard/).slice(serverMark);
    expect(atServer.filter((r) => r.method === 'HEAD')).toHaveLength(6);
    expect(
      atServer.every((r) =>
        r.method === 'HEAD' ? /\/manifests\//.test(r.url) : /^\/v2\/(_catalog|.*\/tags\/list)?(\?|$)/.test(r.url),
      ),
    ).toBe(true);

    // A new spec (no previous revision) rebuilds the catalogue from the digest cache: still no blob.
    const third = await source.sync(request);
    expect(third).toEqual(first);
    expect(counter.calls.slice(mark).some((c) => c.kind === 'blob' || c.kind === 'manifest-get')).toBe(false);
  });

  it('applies the filter before fetching anything: excluded packs cost nothing, kept versions one HEAD each', async () => {
    const counter = countingHttp();
    const source = new OciRegistrySource({ http: counter.http });
    const result = await source.sync(
      syncRequest(
        {
          url: `oci://${registry.host}/charts`,
          filter: { include: ['podinfo'], maxVersionsPerPack: 1, prereleases: false },
        },
        { auth },
      ),
    );
    if (!result.changed) throw new Error('expected a catalogue');
    expect(result.packs.map((p) => [p.name, p.versions.map((v) => v.version)])).toEqual([['podinfo', ['6.6.0']]]);
    expect(counter.calls.filter((c) => c.kind === 'tags').map((c) => new URL(c.url).pathname)).toEqual([
      '/v2/charts/podinfo/tags/list',
    ]);
    expect(counter.counts()).toMatchObject({ 'manifest-head': 1, 'manifest-get': 1, blob: 1 });
  });

  it('keeps prereleases when asked, with latest still the newest stable version', async () => {
    const result = await new OciRegistrySource().sync(
      syncRequest(
        {
          url: `oci://${registry.host}/charts`,
          oci: { repositories: ['podinfo'], content: 'helm' },
          filter: { prereleases: true },
        },
        { auth },
      ),
    );
    if (!result.changed) throw new Error('expected a catalogue');
    expect(result.packs[0]).toMatchObject({ name: 'podinfo', latest: '6.6.0' });
    expect(result.packs[0]!.versions.map((v) => v.version)).toEqual(['6.7.0-rc.1', '6.6.0', '6.5.0']);
  });

  it('follows Link pagination of _catalog and tags/list with a page size smaller than the lists', async () => {
    const counter = countingHttp();
    const paged = await new OciRegistrySource({ http: counter.http, pageSize: 2 }).sync(
      syncRequest({ url: `oci://${registry.host}/charts` }, { auth }),
    );
    const whole = await new OciRegistrySource().sync(syncRequest({ url: `oci://${registry.host}/charts` }, { auth }));
    expect(paged).toEqual(whole);
    const podinfoPages = counter.calls.filter((c) => c.url.includes('/charts/podinfo/tags/list'));
    expect(podinfoPages.length).toBeGreaterThanOrEqual(2); // 4 tags, 2 per page
    expect(podinfoPages[0]!.url).toMatch(/\?n=2$/);
    expect(podinfoPages[1]!.url).toMatch(/last=/);
    expect(counter.calls.filter((c) => c.kind === 'catalog').length).toBeGreaterThanOrEqual(3); // 6 repositories
  });

  it('reports a named repository that does not exist as NotFound, naming it', async () => {
    const sync = new OciRegistrySource().sync(
      syncRequest(
        { url: `oci://${registry.host}/charts`, oci: { repositories: ['podinfo', 'missing'], content: 'helm' } },
        { auth },
      ),
    );
    await expect(sync).rejects.toMatchObject({
      reason: 'NotFound',
      message: expect.stringContaining(`repository charts/missing not found at ${registry.host}`),
    });
  });

  it('reports a wrong password, or none, as AuthenticationFailed without leaking it', async () => {
    const wrong = new OciRegistrySource().sync(
      syncRequest({ url: `oci://${registry.host}/charts` }, { auth: { username: 'packyard', password: 'wrong-pa55' } }),
    );
    const error = await wrong.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ reason: 'AuthenticationFailed', message: expect.stringContaining('401') });
    expect((error as Error).message).toContain('rejected the credentials');
    expect((error as Error).message).not.toContain('wrong-pa55');
    await expect(
      new OciRegistrySource().sync(syncRequest({ url: `oci://${registry.host}/charts` })),
    ).rejects.toMatchObject({
      reason: 'AuthenticationFailed',
      message: expect.stringContaining('has no secretRef'),
    });
  });
});

describe('OciRegistrySource, content pack', () => {
  it('reads pack.json (archive and file layouts) under baseContentPath into layers and dependencies', async () => {
    const counter = countingHttp();
    const source = new OciRegistrySource({ http: counter.http });
    const request = syncRequest(
      { url: `oci://${registry.host}/base`, oci: { baseContentPath: 'spectro-packs', content: 'pack' } },
      { auth },
    );
    const result = await source.sync(request);
    if (!result.changed) throw new Error('expected a catalogue');
    expect(result.skippedVersions).toBe(0);
    const packs = byName(result.packs);
    expect(Object.keys(packs)).toEqual(['cni-calico', 'kubernetes']); // base/other/elsewhere is outside baseContentPath
    expect(packs['cni-calico']).toMatchObject({
      layer: 'cni',
      displayName: 'Calico',
      latest: '3.27.0',
      versionCount: 2,
    });
    expect(packs['cni-calico']!.versions[0]).toMatchObject({
      version: '3.27.0',
      digest: digests['cni-calico:3.27.0'],
      urls: [`oci://${registry.host}/base/spectro-packs/archive/cni-calico:3.27.0`],
      dependencies: [{ packName: 'kubernetes', layer: 'k8s', minVersion: '1.25.0', type: 'required' }],
    });
    expect(packs['cni-calico']!.versions[1]!.dependencies).toBeUndefined();
    expect(packs.kubernetes).toMatchObject({ layer: 'k8s', displayName: 'Palette eXtended Kubernetes' });
    expect(packs.kubernetes!.versions[0]!.dependencies).toEqual([
      { packName: 'cni-calico', type: 'optional' },
      { packName: 'cilium', layer: 'cni', maxVersion: '1.14.0', type: 'notSupported' },
    ]);

    // pack.json is content-addressed too: a re-sync downloads nothing.
    const mark = counter.calls.length;
    expect(await source.sync({ ...request, previous: { revision: result.revision } })).toEqual({ changed: false });
    expect(new Set(counter.calls.slice(mark).map((c) => c.kind))).toEqual(
      new Set(['ping', 'catalog', 'tags', 'manifest-head']),
    );
  });

  it('skips and counts Helm charts in a registry read as packs', async () => {
    const result = await new OciRegistrySource().sync(
      syncRequest(
        { url: `oci://${registry.host}/charts`, oci: { repositories: ['cilium'], content: 'pack' } },
        { auth },
      ),
    );
    expect(result).toMatchObject({ changed: true, packs: [], skippedVersions: 2 });
  });
});
