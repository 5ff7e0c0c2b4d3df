// `packyard import palette`: the real Palette export through the compiled CLI, its output checked by
// `packyard validate` and by the real apiserver; then every odd export as a named case.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { testKubeConfig } from '../harness/cluster.js';
import { PALETTE_EXPORT, paletteFixturePath } from '../harness/palette-fixtures.js';
import { runCli, tempDir } from './cli-harness.js';

const EXPORT = paletteFixturePath(PALETTE_EXPORT);
const MAP = ['--registry-map', 'Public Repo=palette-public'];
type Profile = {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { type: string; packs: Record<string, unknown>[] } & Record<string, unknown>;
};

function writeExport(o: unknown): string {
  const path = join(tempDir('packyard-import-'), 'export.json');
  writeFileSync(path, typeof o === 'string' ? o : JSON.stringify(o));
  return path;
}
/** A minimal export in the real shape, with `patch` applied to its one spectro pack. */
function exportWith(
  pack: Record<string, unknown> = {},
  template: Record<string, unknown> = {},
  top: Record<string, unknown> = {},
) {
  return {
    metadata: { name: 'p' },
    spec: {
      version: '1.0.0',
      template: {
        type: 'add-on',
        packs: [
          {
            name: 'nginx',
            type: 'spectro',
            layer: 'addon',
            version: '4.10.0',
            tag: '4.x',
            values: 'a: 1',
            registry: { metadata: { uid: 'u', name: 'Public Repo', kind: 'pack', isPrivate: false } },
            ...pack,
          },
        ],
        ...template,
      },
    },
    ...top,
  };
}

describe('packyard import palette: the real export', () => {
  let stdout: string;
  let stderr: string;
  let code: number;
  beforeAll(async () => {
    ({ stdout, stderr, code } = await runCli(['import', 'palette', EXPORT, ...MAP]));
  });

  it('prints a full ClusterProfile with the layers in order, tags as version expressions and mapped registries', () => {
    expect(code).toBe(0);
    const profile = parse(stdout) as Profile;
    expect(profile).toMatchObject({
      apiVersion: 'packyard.io/v1alpha1',
      kind: 'ClusterProfile',
      metadata: { name: 'docs-ubuntu-k3s' },
    });
    expect(profile.spec).toMatchObject({
      type: 'full',
      version: '1.0.0',
      description: 'Cluster profile as part of the edge cluster deployment tutorial.',
    });
    expect(profile.spec.packs.map((p) => [p.name, p.layer, p.version, p.registry])).toEqual([
      ['edge-native-byoi', 'os', '1.0.0', 'palette-public'],
      ['edge-k3s', 'k8s', '1.25.x', 'palette-public'],
      ['cni-calico', 'cni', '3.25.x', 'palette-public'],
      ['hello-universe', 'addon', undefined, undefined],
    ]);
  });

  it('keeps every values string and the manifests byte for byte', async () => {
    const source = JSON.parse(readFileSync(EXPORT, 'utf8')) as {
      spec: { template: { packs: { values: string; manifests?: unknown }[] } };
    };
    const profile = parse(stdout) as Profile;
    expect(profile.spec.packs.map((p) => p.values)).toEqual(source.spec.template.packs.map((p) => p.values));
    expect(profile.spec.packs[3]!.manifests).toEqual(source.spec.template.packs[3]!.manifests);
  });

  it('keeps labels (a tag without a value as the empty value) and the cloud type, and says where on stderr', () => {
    const profile = parse(stdout) as Profile;
    expect(profile.metadata.labels).toEqual({
      app: 'hello-universe',
      'spectro-cloud-education': '',
      terraform_managed: 'false',
    });
    expect(profile.metadata.annotations).toEqual({ 'packyard.io/palette-cloud-type': 'edge-native' });
    expect(stderr).toBe(
      `${EXPORT}: note: spec.template.packs[3].version: not kept (1.0.0): a manifest pack is identified by the sha256 of its manifests\n` +
        `${EXPORT}: note: metadata.labels.spectro-cloud-education: Palette's tag without a value (spectro__tag): kept with the value ""\n` +
        `${EXPORT}: note: spec.template.cloudType: kept as the annotation packyard.io/palette-cloud-type: edge-native\n`,
    );
  });

  it('is valid to packyard validate', async () => {
    const r = await runCli(['validate', '-'], { stdin: stdout });
    expect(r.stderr).toBe('valid: 0 PackRegistries, 1 ClusterProfile in 1 file\n');
    expect(r.code).toBe(0);
  });

  it('is accepted by the real apiserver', async () => {
    const client = KubernetesObjectApi.makeApiClient(testKubeConfig());
    const object = {
      ...(parse(stdout) as KubernetesObject),
      metadata: { ...(parse(stdout) as Profile).metadata, namespace: 'default' },
    };
    const created = await client.create(object as KubernetesObject, undefined, 'All');
    expect((created as unknown as Profile).spec.packs).toHaveLength(4);
  });

  // Palette's API also exports a profile as YAML (GET /v1/clusterprofiles/{uid}/export?format=yaml).
  it('reads the same export written as YAML to the same ClusterProfile', async () => {
    const path = join(tempDir('packyard-import-'), 'export.yaml');
    writeFileSync(path, stringify(JSON.parse(readFileSync(EXPORT, 'utf8'))));
    const r = await runCli(['import', 'palette', path, ...MAP]);
    expect(r.stdout).toBe(stdout);
    expect(r.stderr).toBe(stderr.replaceAll(EXPORT, path));
    expect(r.code).toBe(code);
  });

  it('notes a --registry-map entry that matched no pack', async () => {
    const r = await runCli(['import', 'palette', EXPORT, ...MAP, '--registry-map', 'Private Repo=private']);
    expect(r.stderr).toContain(`${EXPORT}: note: --registry-map 'Private Repo=private' matched no pack\n`);
    expect(r.code).toBe(0);
  });

  it('reports an unmapped registry, leaves the pack on the default registry and exits 1', async () => {
    const r = await runCli(['import', 'palette', EXPORT]);
    expect(r.code).toBe(1);
    expect((parse(r.stdout) as Profile).spec.packs.map((p) => p.registry)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(r.stderr).toContain(
      `${EXPORT}: spec.template.packs[0].registry.metadata.name: registry "Public Repo" is not mapped (--registry-map 'Public Repo=PACKREGISTRY'): the pack will use the default PackRegistry\n`,
    );
    expect(r.stderr).toContain(`3 parts of ${EXPORT} could not be mapped (listed above)\n`);
  });
});

describe('packyard import palette: a manifest layer', () => {
  it('becomes a manifest pack that packyard resolve locks to the sha256 of its content, with no registry fetched', async () => {
    const source = JSON.parse(readFileSync(EXPORT, 'utf8')) as {
      spec: { template: { packs: Record<string, unknown>[] } };
    };
    const manifestLayer = source.spec.template.packs.find((p) => p.type === 'manifest')!;
    const dir = tempDir('packyard-import-');
    const path = writeExport({
      metadata: { name: 'hello' },
      spec: { version: '1.0.0', template: { type: 'add-on', packs: [manifestLayer] } },
    });
    const imported = await runCli(['import', 'palette', path]);
    expect(imported.code).toBe(0);
    const profile = { ...(parse(imported.stdout) as Profile), metadata: { name: 'hello', namespace: 'default' } };
    writeFileSync(join(dir, 'profile.yaml'), JSON.stringify(profile));
    // A registry nothing refers to: resolve must not need it (it would fail: nothing listens there).
    writeFileSync(
      join(dir, 'registries.yaml'),
      JSON.stringify({
        apiVersion: 'packyard.io/v1alpha1',
        kind: 'PackRegistry',
        metadata: { name: 'unused' },
        spec: { type: 'helm', url: 'http://127.0.0.1:1/charts' },
      }),
    );
    const r = await runCli(['resolve', join(dir, 'profile.yaml'), '-r', join(dir, 'registries.yaml'), '-o', 'json']);
    expect(r.code).toBe(0);
    const manifests = manifestLayer.manifests as { name: string; content: string }[];
    const canonical = `[${manifests.map((m) => `{"content":${JSON.stringify(m.content)},"name":${JSON.stringify(m.name)}}`).join(',')}]`;
    expect((JSON.parse(r.stdout) as { resolved: unknown[] }).resolved).toEqual([
      {
        name: 'hello-universe',
        layer: 'addon',
        digest: `sha256:${createHash('sha256').update(canonical).digest('hex')}`,
      },
    ]);
  });
});

describe('packyard import palette: odd exports, each reported and never silently lost', () => {
  it.each<[string, ReturnType<typeof exportWith>, string, (p: Profile) => void]>([
    [
      'a field Packyard has no place for',
      exportWith({ presets: ['x'] }),
      'spec.template.packs[0].presets: has no ClusterProfile equivalent: left out',
      () => {},
    ],
    [
      'a top-level field',
      exportWith({}, {}, { status: { published: true } }),
      'status: has no ClusterProfile equivalent: left out',
      () => {},
    ],
    [
      'a profile type without equivalent (system)',
      exportWith({}, { type: 'system' }),
      'spec.template.type: profile type "system" has no ClusterProfile equivalent (cluster, infra, add-on): imported as add-on',
      (p) => expect(p.spec.type).toBe('add-on'),
    ],
    [
      'an infra profile holding an add-on',
      exportWith(
        {},
        {
          type: 'infra',
          packs: ['os', 'k8s', 'cni', 'addon'].map((layer) => ({
            ...exportWith().spec.template.packs[0]!,
            name: layer,
            layer,
          })),
        },
      ),
      'spec.template.type: an infra profile with packs of layer addon: imported as full',
      (p) => expect(p.spec.type).toBe('full'),
    ],
    [
      'an unknown layer',
      exportWith({ layer: 'storage' }),
      'spec.template.packs[0].layer: "storage" is not a layer (kernel, os, k8s, cni, csi, addon): imported as addon',
      (p) => expect(p.spec.packs[0]!.layer).toBe('addon'),
    ],
    [
      'a tag that is not an expression',
      exportWith({ tag: 'stable' }),
      'spec.template.packs[0].tag: "stable" is not a version expression: the exact version 4.10.0 is used',
      (p) => expect(p.spec.packs[0]!.version).toBe('4.10.0'),
    ],
    [
      'an unknown pack type',
      exportWith({ type: 'operator-instance' }),
      'spec.template.packs[0].type: pack type "operator-instance" is not known: imported as a registry pack',
      () => {},
    ],
    [
      'values that are not a string',
      exportWith({ values: { a: 1 } }),
      'spec.template.packs[0].values: not a string of YAML: left out',
      (p) => expect(p.spec.packs[0]!.values).toBeUndefined(),
    ],
    [
      'a version that is not SemVer',
      { ...exportWith(), spec: { ...exportWith().spec, version: '1.0' } },
      'spec.version: "1.0" is not a SemVer version; the profile gets 1.0.0',
      (p) => expect(p.spec.version).toBeUndefined(),
    ],
    [
      'an invalid label',
      exportWith({}, {}, { metadata: { name: 'p', labels: { 'bad key!': 'x' } } }),
      'metadata.labels.bad key!: "bad key!": "x" is not a valid Kubernetes label: left out',
      (p) => expect(p.metadata.labels).toBeUndefined(),
    ],
  ])('%s', async (_title, exported, message, check) => {
    const path = writeExport(exported);
    const r = await runCli(['import', 'palette', path, ...MAP]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path}: ${message}\n`);
    check(parse(r.stdout) as Profile);
  });

  // Palette's API payloads (POST /v1/clusterprofiles) name a pack's registry by `registryUid` alone.
  it('says a registry named only by registryUid cannot be mapped, once; next to a name the uid goes unsaid', async () => {
    const path = writeExport(exportWith({ registry: undefined, registryUid: '5eecc89d0b150045ae661cef' }));
    const r = await runCli(['import', 'palette', path]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.includes('registry'))).toEqual([
      `${path}: spec.template.packs[0].registryUid: the pack names its registry by uid only (5eecc89d0b150045ae661cef), which means nothing outside its Palette: it will use the default PackRegistry`,
    ]);
    expect((parse(r.stdout) as Profile).spec.packs[0]!.registry).toBeUndefined();
    const named = await runCli([
      'import',
      'palette',
      writeExport(exportWith({ registryUid: 'u', packUid: '675f1171e0153f3d34d22d13' })),
      ...MAP,
    ]);
    expect({ code: named.code, stderr: named.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('leaves out a pack without a usable tag or version, saying so', async () => {
    const exported = exportWith({ tag: '', version: 'n/a' });
    exported.spec.template.packs.push({ ...exported.spec.template.packs[0]!, name: 'kept', tag: '1.x' });
    const path = writeExport(exported);
    const r = await runCli(['import', 'palette', path, ...MAP]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path}: spec.template.packs[0]: no usable tag or version ("n/a"): pack left out\n`);
    expect((parse(r.stdout) as Profile).spec.packs.map((p) => p.name)).toEqual(['kept']);
  });

  it('renames what Kubernetes would refuse, with a note, and exits 0', async () => {
    const exported = exportWith({ name: 'My Pack' }, {}, { metadata: { name: 'Edge Profile (prod)' } });
    const path = writeExport(exported);
    const r = await runCli(['import', 'palette', path, ...MAP]);
    expect(r.stderr).toContain(
      `${path}: note: metadata.name: "Edge Profile (prod)" is not a Kubernetes name: renamed edge-profile-prod\n`,
    );
    expect(r.stderr).toContain(
      `${path}: note: spec.template.packs[0].name: "My Pack" is not a valid pack name: renamed my-pack\n`,
    );
    const profile = parse(r.stdout) as Profile;
    expect(profile.metadata.name).toBe('edge-profile-prod');
    expect(profile.spec.packs[0]).toMatchObject({ name: 'my-pack', chart: 'My Pack' });
    expect(r.code).toBe(0);
  });

  it("sorts packs into Palette's layer order and reads stdin", async () => {
    const exported = exportWith();
    exported.spec.template.type = 'cluster';
    exported.spec.template.packs.push(
      { ...exported.spec.template.packs[0]!, name: 'kernel-hwe', layer: 'kernel' },
      { ...exported.spec.template.packs[0]!, name: 'ubuntu', layer: 'os' },
    );
    const r = await runCli(['import', 'palette', '-', ...MAP], { stdin: JSON.stringify(exported) });
    expect((parse(r.stdout) as Profile).spec.packs.map((p) => p.layer)).toEqual(['kernel', 'os', 'addon']);
  });

  it.each([
    ['not JSON', '{"metadata":', 1, 'not JSON (nor a YAML map)'],
    ['neither JSON nor a YAML map', '- metadata', 1, 'not JSON (nor a YAML map)'],
    [
      'not an export',
      { metadata: { name: 'x' }, spec: {} },
      1,
      'not a Palette cluster-profile export: it has no spec.template.packs',
    ],
    [
      "a profile as Palette's API returns it",
      { metadata: { name: 'x', uid: 'u' }, spec: { published: { packs: [] }, version: '1.0.0' } },
      1,
      "not a Palette cluster-profile export but a profile as Palette's API returns it (spec.published.packs), whose manifests are references only: export the profile instead (Export Profile, or GET /v1/clusterprofiles/{uid}/export)",
    ],
  ])('refuses a file that is %s', async (_title, content, exit, message) => {
    const path = writeExport(content);
    const r = await runCli(['import', 'palette', path]);
    expect(r.code).toBe(exit);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
  });

  it.each([
    [['import'], 'import needs a source (palette) and an EXPORT file'],
    [['import', 'terraform', 'x.json'], 'unknown import source "terraform": only palette'],
    [['import', 'palette'], 'import palette needs an EXPORT file (- for stdin)'],
    [['import', 'palette', '/nonexistent/export.json'], '/nonexistent/export.json: no such file'],
    [
      ['import', 'palette', EXPORT, '--registry-map', 'Public Repo'],
      '--registry-map "Public Repo": expected PALETTE=PACKYARD, PACKYARD a PackRegistry name',
    ],
    [['import', 'palette', EXPORT, '--registry-map', 'Public Repo=Not A Name'], 'expected PALETTE=PACKYARD'],
  ])('exits 2 on usage errors: %j', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('is listed in the help', async () => {
    const r = await runCli(['--help']);
    expect(r.stdout).toMatch(/\n {2}import +Turn a Palette cluster-profile export into a ClusterProfile\n/);
    const help = await runCli(['import', '--help']);
    expect(help.stdout).toContain(
      'Usage: packyard import palette EXPORT.json [--registry-map PALETTE=PACKYARD]... [flags]',
    );
  });
});
