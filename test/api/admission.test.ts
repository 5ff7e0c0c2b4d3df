// The CRDs on a real kube-apiserver: samples are accepted, bad objects are rejected at admission with
// a message that names the offending field.
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { admissionMessage } from '../harness/admission.js';
import { testKubeConfig } from '../harness/cluster.js';
import { BAD_OBJECTS, GOOD_OBJECTS } from './bad-objects.js';
import { loadSamples } from './samples.js';

const client = KubernetesObjectApi.makeApiClient(testKubeConfig());

describe('admission of the CRDs on a real apiserver', () => {
  it.each(loadSamples().map((s) => [s.file, s.object] as const))('accepts sample %s', async (_file, object) => {
    const created = await client.create(object as KubernetesObject);
    expect(created.metadata?.uid).toBeTruthy();
    await client.delete(created);
  });

  it('applies defaults from the schema', async () => {
    const created = (await client.create(
      {
        apiVersion: 'packyard.io/v1alpha1',
        kind: 'PackRegistry',
        metadata: { name: 'defaults' },
        spec: { type: 'helm', url: 'https://charts.example.com' },
      } as KubernetesObject,
      undefined,
      'All',
    )) as KubernetesObject & { spec: Record<string, unknown> };
    expect(created.spec).toMatchObject({ default: false, interval: '24h', timeout: '60s', maxIndexSize: 67108864 });
  });

  it.each(GOOD_OBJECTS.map((g) => [g.title, g.object] as const))('accepts %s', async (_title, object) => {
    const created = await client.create(object as KubernetesObject, undefined, 'All');
    expect(created.metadata?.name).toBe((object.metadata as { name: string }).name);
  });

  it(`has at least 20 bad objects (${BAD_OBJECTS.length})`, () => {
    expect(BAD_OBJECTS.length).toBeGreaterThanOrEqual(20);
  });

  it.each(BAD_OBJECTS.map((b) => [b.title, b] as const))('rejects %s, naming the field', async (_title, bad) => {
    const message = await admissionMessage(client, bad.object as KubernetesObject);
    expect(message).toContain(`${bad.field}:`);
  });
});
