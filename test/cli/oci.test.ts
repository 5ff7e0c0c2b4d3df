// The CLI against a real OCI registry (CNCF distribution, htpasswd auth) holding Helm charts pushed
// with `helm push` and Palette packs pushed with `oras push`: the operator's OCI source, run offline.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOciRegistry, type OciRegistry } from '../harness/oci-registry.js';
import { expectGolden, normalise, objects, runCli, tempDir, writeYaml } from './cli-harness.js';

let registry: OciRegistry;
let work: string;
const digests: Record<string, string> = {};

beforeAll(async () => {
  registry = await startOciRegistry({ auth: 'htpasswd' });
  digests['podinfo:6.5.0'] = await registry.pushChart({ name: 'podinfo', version: '6.5.0', appVersion: '6.5.0' });
  digests['podinfo:6.6.0'] = await registry.pushChart({
    name: 'podinfo',
    version: '6.6.0',
    appVersion: '6.6.0',
    kubeVersion: '>=1.28.0-0',
  });
  const archive = 'palette/spectro-packs/archive';
  await registry.pushPack({ name: 'ubuntu', version: '22.4.0', layer: 'os' }, `${archive}/ubuntu`);
  await registry.pushPack({ name: 'kubernetes', version: '1.29.0', layer: 'k8s' }, `${archive}/kubernetes`);
  await registry.pushPack(
    {
      name: 'cni-calico',
      displayName: 'Calico',
      version: '3.27.0',
      layer: 'cni',
      dependencies: [{ packName: 'kubernetes', layer: 'k8s', minVersion: '1.25.0', maxVersion: '', type: 'required' }],
    },
    `${archive}/cni-calico`,
  );
  work = tempDir();
  writeYaml(join(work, 'registries.yaml'), [
    objects.registry('charts', `oci://${registry.host}/charts`, { type: 'oci' }),
    objects.registry('palette', `oci://${registry.host}/palette`, {
      type: 'oci',
      default: true,
      oci: { content: 'pack', baseContentPath: 'spectro-packs' },
    }),
  ]);
  writeYaml(join(work, 'profile.yaml'), [
    objects.profile('edge', {
      type: 'full',
      packs: [
        { name: 'ubuntu', layer: 'os', version: '22.x' },
        { name: 'kubernetes', layer: 'k8s', version: '1.29.x' },
        { name: 'cni-calico', layer: 'cni', version: '^3.27' },
        { name: 'podinfo', layer: 'addon', registry: 'charts', version: '6.x' },
      ],
    }),
  ]);
  // The docker config carries the login for the registry's host: both registries use it.
  const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
  writeFileSync(join(work, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }));
}, 180_000);

afterAll(async () => {
  await registry?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('packyard with an OCI registry', () => {
  it('resolves charts and Palette packs, with credentials from a docker config', async () => {
    const r = await runCli(['resolve', 'profile.yaml', '-r', 'registries.yaml'], {
      cwd: work,
      env: { DOCKER_CONFIG: work },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectGolden('resolve-oci-table.txt', normalise(r.stdout));
  });

  it('prints the manifest digests and oci:// references the registry holds', async () => {
    const r = await runCli(['resolve', 'profile.yaml', '-r', 'registries.yaml', '-o', 'json'], {
      cwd: work,
      env: {
        PACKYARD_REGISTRY_CHARTS_USERNAME: registry.username,
        PACKYARD_REGISTRY_CHARTS_PASSWORD: registry.password,
        DOCKER_CONFIG: work,
      },
    });
    expect(r.code).toBe(0);
    const lock = JSON.parse(r.stdout) as { resolved: { name: string; version: string; digest: string; url: string }[] };
    expect(lock.resolved.find((e) => e.name === 'podinfo')).toMatchObject({
      version: '6.6.0',
      digest: digests['podinfo:6.6.0'],
      url: `oci://${registry.host}/charts/podinfo:6.6.0`,
    });
    expect(lock.resolved.find((e) => e.name === 'cni-calico')?.url).toBe(
      `oci://${registry.host}/palette/spectro-packs/archive/cni-calico:3.27.0`,
    );
  });

  it('searches the packs of a Palette registry', async () => {
    const r = await runCli(['search', 'cni-*', '-r', 'registries.yaml', '--registry', 'palette'], {
      cwd: work,
      env: { DOCKER_CONFIG: work },
    });
    expect(r.code).toBe(0);
    expect(normalise(r.stdout)).toBe(
      [
        'REGISTRY   CHART        VERSION   APPVERSION   LAYER   KUBEVERSION   DIGEST',
        'palette    cni-calico   3.27.0    -            cni     -             sha256:xxxxxxxxxxxx',
        '',
      ].join('\n'),
    );
  });

  it('exits 4 when the registry refuses anonymous access', async () => {
    const r = await runCli(['resolve', 'profile.yaml', '-r', 'registries.yaml'], { cwd: work });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^error: registry charts \(registries.yaml:1\): AuthenticationFailed: /m);
    expect(r.stderr).not.toContain(registry.password);
  });
});
