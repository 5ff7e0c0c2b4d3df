// pack.json as pack-central writes it: the real files, byte for byte, and the odd inputs around them.
import { parsePackJson } from '../../../src/sources/oci/palette-pack.js';
import { palettePackJson } from '../../harness/palette-fixtures.js';

const json = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('parsePackJson on real pack-central files', () => {
  it('antrea: a cni pack, empty eol and group are not a deprecation', () => {
    expect(parsePackJson(palettePackJson('antrea-1.9.0'))).toEqual({
      name: 'antrea',
      version: '1.9.0',
      layer: 'cni',
      displayName: 'Antrea',
      cloudTypes: ['vsphere'],
    });
  });

  it('argo-cd: annotations.system_state deprecated, and an upgrade rule with only maxVersion', () => {
    expect(parsePackJson(palettePackJson('argocd-3.26.7'))).toEqual({
      name: 'argo-cd',
      version: '3.26.7',
      layer: 'addon',
      displayName: 'Argo CD',
      addonType: 'system app',
      cloudTypes: ['all'],
      deprecated: true,
      dependencies: [{ packName: 'argo-cd', layer: 'addon', maxVersion: '3.26.7', type: 'upgrade' }],
    });
  });

  it('elastic-stack: a required add-on and an optional k8s, an empty maxVersion is unbounded', () => {
    expect(parsePackJson(palettePackJson('elastic-stack-0.19.0'))?.dependencies).toEqual([
      { packName: 'elastic-operator', minVersion: '3.3.2', layer: 'addon', type: 'required' },
      { packName: 'kubernetes', layer: 'k8s', minVersion: '1.29', type: 'optional' },
    ]);
  });

  it('hello-universe: a manifest-based pack (kubeManifests, no charts) is an add-on like any other', () => {
    expect(parsePackJson(palettePackJson('hello-universe-1.3.1'))).toEqual({
      name: 'hello-universe',
      version: '1.3.1',
      layer: 'addon',
      displayName: 'Hello Universe',
      addonType: 'app services',
      cloudTypes: ['all'],
    });
  });

  it('kubeflow-full: the version is read as written (1.5), six optional k8s bounds with only maxVersion', () => {
    const pack = parsePackJson(palettePackJson('kubeflow-full-1.5.0'))!;
    expect(pack.version).toBe('1.5');
    expect(pack.dependencies?.map((d) => [d.packName, d.type, d.minVersion, d.maxVersion])).toEqual([
      ['kubernetes', 'optional', undefined, '1.21.10'],
      ['kubernetes-aks', 'optional', undefined, '1.21'],
      ['kubernetes-eksd', 'optional', undefined, '1.21.6'],
      ['kubernetes-eks', 'optional', undefined, '1.21'],
      ['kubernetes-konvoy', 'optional', undefined, '1.21.6'],
      ['kubernetes-tke', 'optional', undefined, '1.20.6'],
    ]);
  });

  it('kubevious: constraints.resources kept per entry with their components', () => {
    const resources = parsePackJson(palettePackJson('kubevious-1.0.10'))!.resources!;
    expect(resources.map((r) => [r.type, r.minLimit, r.components?.length])).toEqual([
      ['cpu', 512, 4],
      ['memory', 1636, 4],
    ]);
    expect(resources[0]!.components![0]).toEqual({
      resourceRequestParamRef: 'charts.kubevious.kubevious.resources.requests.cpu',
      replicaCountParamRef: 'charts.kubevious.kubevious.replicaCount',
      scheduleType: 'worker',
    });
    expect(resources[0]!.components![3]).toEqual({
      resourceRequestParamRef: 'charts.kubevious.mysql.resources.requests.cpu',
      scheduleType: 'worker',
    });
  });

  it('nvidia-dra-driver: a dependency without a type (invalid in pack-schema.json) is dropped, the rest kept', () => {
    expect(parsePackJson(palettePackJson('nvidia-dra-driver-25.8.1'))?.dependencies).toEqual([
      { packName: 'nvidia-gpu-operator', layer: 'addon', minVersion: '25.10.1', type: 'optional' },
    ]);
  });

  it('piraeus-operator: a csi pack without addonType, upgrade rule on itself from 2.9.0 up', () => {
    const pack = parsePackJson(palettePackJson('piraeus-operator-2.9.0'))!;
    expect(pack.layer).toBe('csi');
    expect(pack.addonType).toBeUndefined();
    expect(pack.dependencies).toEqual([
      { packName: 'piraeus-operator', layer: 'csi', minVersion: '2.9.0', type: 'upgrade' },
    ]);
  });

  it('upbound-crossplane: leading whitespace and odd indentation, a prerelease version', () => {
    expect(parsePackJson(palettePackJson('upbound-crossplane-2.0.2-up.4'))).toMatchObject({
      name: 'upbound-crossplane',
      version: '2.0.2-up.4',
      layer: 'addon',
    });
  });
});

describe('parsePackJson on odd inputs', () => {
  it("reads layer kernel, the first of Palette's layers", () => {
    expect(parsePackJson(json({ name: 'kernel-hwe', version: '6.8.0', layer: 'kernel' }))?.layer).toBe('kernel');
  });

  it('a non-empty eol is a deprecation, and its text is kept', () => {
    expect(parsePackJson(json({ layer: 'addon', eol: ' 2025-06-30 ' }))).toEqual({
      layer: 'addon',
      deprecated: true,
      eol: '2025-06-30',
    });
  });

  it('another system_state is not a deprecation', () => {
    expect(parsePackJson(json({ layer: 'addon', annotations: { system_state: 'beta' } }))).toEqual({ layer: 'addon' });
  });

  it('drops resources of an unknown type, minLimits that are not non-negative numbers, components that do not fit', () => {
    const pack = parsePackJson(
      json({
        layer: 'addon',
        constraints: {
          resources: [
            { type: 'gpu', minLimit: 1 },
            { type: 'cpu', minLimit: '500' },
            {
              type: 'memory',
              minLimit: -1,
              components: [
                { scheduleType: 'everywhere' },
                { scheduleType: 'master', replicaCountParamRef: 7 },
                { scheduleType: 'all' },
              ],
            },
            { type: 'diskSize', minLimit: 20 },
            'cpu',
          ],
        },
      }),
    );
    expect(pack?.resources).toEqual([
      { type: 'cpu' },
      { type: 'memory', components: [{ scheduleType: 'all' }] },
      { type: 'diskSize', minLimit: 20 },
    ]);
  });

  it('keeps all four dependency types and drops an unknown one', () => {
    const types = ['required', 'optional', 'notSupported', 'upgrade', 'replaces'];
    const pack = parsePackJson(
      json({ layer: 'addon', constraints: { dependencies: types.map((type) => ({ packName: 'x', type })) } }),
    );
    expect(pack?.dependencies?.map((d) => d.type)).toEqual(['required', 'optional', 'notSupported', 'upgrade']);
  });
});
