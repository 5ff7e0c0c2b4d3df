import { readFileSync } from 'node:fs';
import { clusterProfileSpec } from '../../src/api/clusterprofile.js';
import { packRegistrySpec } from '../../src/api/packregistry.js';
import { renderCrds } from '../../src/api/render-crds.js';
import { isPackyardKind, validateObject } from '../../src/api/validate.js';
import { BAD_OBJECTS, GOOD_OBJECTS } from './bad-objects.js';
import { loadSamples, REPO_ROOT } from './samples.js';

describe('crds/', () => {
  it.each(Object.entries(renderCrds()))('%s matches the zod schemas (run `make crds` if not)', (file, text) => {
    expect(readFileSync(`${REPO_ROOT}crds/${file}`, 'utf8')).toBe(text);
  });
});

describe('samples', () => {
  const packyardSamples = loadSamples().filter((s) => isPackyardKind(s.object.kind));
  it.each(packyardSamples.map((s) => [`${s.file} ${s.object.kind}`, s.object] as const))(
    '%s is valid',
    (_file, object) => {
      expect(validateObject(object)).toEqual([]);
    },
  );
});

describe('offline validation accepts odd but good objects', () => {
  it.each(GOOD_OBJECTS.map((g) => [g.title, g.object] as const))('%s', (_title, object) => {
    expect(validateObject(object)).toEqual([]);
  });
});

describe('offline validation rejects bad objects on the field the apiserver names', () => {
  it.each(BAD_OBJECTS.map((b) => [b.title, b] as const))('%s', (_title, bad) => {
    const errors = validateObject(bad.object);
    expect(errors.map((e) => e.field)).toContain(bad.field);
  });
});

describe('defaults', () => {
  it('fills registry defaults like the apiserver does', () => {
    const spec = packRegistrySpec.parse({ type: 'helm', url: 'https://charts.example.com' });
    expect(spec).toMatchObject({
      default: false,
      interval: '24h',
      timeout: '60s',
      suspend: false,
      maxIndexSize: 64 * 1024 * 1024,
    });
  });

  it('fills profile defaults', () => {
    const spec = clusterProfileSpec.parse({
      type: 'add-on',
      packs: [{ name: 'a', layer: 'addon', version: 'latest' }],
    });
    expect(spec).toMatchObject({ version: '1.0.0', updatePolicy: 'Auto' });
  });
});

describe('layer order', () => {
  const pack = (name: string, layer: string) => ({ name, layer, version: '1.x' });
  const full = (layers: string[]) => ({
    apiVersion: 'packyard.io/v1alpha1',
    kind: 'ClusterProfile',
    metadata: { name: 'p' },
    spec: { type: 'full', packs: layers.map((l, i) => pack(`p${i}`, l)) },
  });

  it.each([
    [['os', 'k8s', 'cni']],
    [['os', 'k8s', 'cni', 'csi']],
    [['os', 'k8s', 'cni', 'csi', 'addon', 'addon']],
    [['os', 'k8s', 'cni', 'addon']],
    [['kernel', 'os', 'k8s', 'cni']],
    [['kernel', 'os', 'k8s', 'cni', 'csi', 'addon']],
  ])('accepts %j', (layers) => {
    expect(validateObject(full(layers))).toEqual([]);
  });

  it.each([
    [['k8s', 'os', 'cni']],
    [['os', 'k8s', 'addon', 'cni']],
    [['os', 'k8s', 'cni', 'addon', 'csi']],
    [['addon', 'os', 'k8s', 'cni']],
    [['os', 'kernel', 'k8s', 'cni']],
    [['os', 'k8s', 'cni', 'kernel']],
    [['kernel', 'k8s', 'os', 'cni']],
    [['kernel', 'os', 'k8s', 'cni', 'addon', 'csi']],
  ])('rejects %j', (layers) => {
    expect(validateObject(full(layers)).map((e) => e.message)).toContain(
      'packs must be in the order kernel (optional), os, k8s, cni, then csi, then add-ons',
    );
  });
});
