// The composer's server side: the CRD's own schema and rules first, then the operator's resolver and
// values step, and every message placed at the pack it is about. The chosen versions' files come from
// a real content cache filled beforehand (by digest, as a download would fill it), so no registry runs.
import type { ProfilePack } from '../../src/api/clusterprofile.js';
import { compose, type ComposeContext } from '../../src/ui/compose.js';
import { resolveProfile } from '../../src/resolve/resolve-profile.js';
import { withEffectiveValues } from '../../src/resolve/values-step.js';
import type { ValuesSourceLookup } from '../../src/resolve/values.js';
import { ContentCache } from '../../src/sources/content/content-cache.js';
import { PackContentSource } from '../../src/sources/content/pack-content.js';
import type { PackFiles } from '../../src/sources/content/pack-files.js';
import { packRegistry } from '../../src/api/packregistry.js';
import { catalogue, infraPacks, REGISTRIES } from '../resolve/fixtures.js';

const registrySpec = (url: string) =>
  packRegistry.parse({
    apiVersion: 'packyard.io/v1alpha1',
    kind: 'PackRegistry',
    metadata: { name: 'r' },
    spec: { type: 'helm', url },
  }).spec;

const draft = (packs: unknown[], type = 'infra') => ({ name: 'edge', namespace: 'team-a', spec: { type, packs } });
const SCHEMA = JSON.stringify({
  type: 'object',
  properties: { replicas: { type: 'integer' } },
});

/** Every version's files by digest: a chart, cilium's with a values schema. */
async function filledSource(): Promise<{ source: PackContentSource; files: Map<string, PackFiles> }> {
  const cache = new ContentCache();
  const files = new Map<string, PackFiles>();
  for (const spec of catalogue().values()) {
    for (const v of spec.versions) {
      const f: PackFiles = {
        kind: 'helm',
        digest: v.digest!,
        files: {
          'Chart.yaml': `apiVersion: v2\nname: ${spec.name}\nversion: ${v.version}\n`,
          'values.yaml': 'replicas: 1\n',
          ...(spec.name === 'cilium' && { 'values.schema.json': SCHEMA }),
        },
      };
      files.set(`${spec.name}@${v.version}`, f);
      await cache.set(`helm@${v.digest}`, f);
    }
  }
  return { source: new PackContentSource({ cache }), files };
}

async function context(lookup: ValuesSourceLookup = () => undefined): Promise<ComposeContext> {
  const { source } = await filledSource();
  return {
    packs: catalogue(),
    registries: REGISTRIES,
    valuesSources: async () => lookup,
    registryAccess: async () => (name) => ({ spec: registrySpec(`https://${name}.example.com`), credentials: {} }),
    source,
  };
}

describe('compose', () => {
  it("resolves a valid profile exactly as the operator's resolver and values step do, and gives its YAML", async () => {
    const packs = infraPacks();
    const c = await compose(draft(packs), await context());
    expect(c.invalid).toEqual([]);
    expect(c.problems).toEqual([]);
    const resolved = resolveProfile({
      profile: { spec: { type: 'infra', version: '1.0.0', updatePolicy: 'Auto', packs }, namespace: 'team-a' },
      packs: catalogue(),
      registries: REGISTRIES,
      valuesSources: () => undefined,
      updateRequested: false,
    });
    const { files } = await filledSource();
    if (!resolved.ok) throw new Error(resolved.message);
    const expected = withEffectiveValues(resolved, {
      spec: { type: 'infra', version: '1.0.0', updatePolicy: 'Auto', packs },
      namespace: 'team-a',
      valuesSources: () => undefined,
      contents: new Map(resolved.resolved.map((r) => [r.name, files.get(`${r.name}@${r.version}`)!])),
    });
    if (!expected.ok) throw new Error(expected.message);
    const { values, ...lock } = expected;
    expect(values?.size).toBe(4);
    // The values step ran: each pack has its valuesDigest, and the revision covers them.
    expect(expected.resolved.every((r) => r.valuesDigest?.startsWith('sha256:'))).toBe(true);
    expect(expected.revision).not.toBe(resolved.revision);
    expect(c.result).toEqual(lock);
    expect(c.yaml).toContain('kind: ClusterProfile\nmetadata:\n  name: edge\n  namespace: team-a\n');
  });

  it("places values that break a chart's schema at that pack, and never sends the effective values", async () => {
    const packs: ProfilePack[] = infraPacks().map((p) => (p.layer === 'cni' ? { ...p, values: 'replicas: two\n' } : p));
    const c = await compose(draft(packs), await context());
    const cni = packs.findIndex((p) => p.layer === 'cni');
    expect(c.problems).toEqual([expect.objectContaining({ reason: 'InvalidValues', packs: [cni] })]);
    expect(c.problems[0]!.message).toContain('.replicas');
    const fine = await compose(draft(infraPacks()), await context());
    expect(fine.result?.ok && 'values' in fine.result).toBe(false);
  });

  it('says whether each valuesFrom was found, missing or forbidden, and not what it holds', async () => {
    const packs: ProfilePack[] = infraPacks().map((p) =>
      p.layer === 'cni'
        ? {
            ...p,
            valuesFrom: [
              { kind: 'Secret', name: 'cni-secret', valuesKey: 'values.yaml', optional: false },
              { kind: 'ConfigMap', name: 'absent', valuesKey: 'values.yaml', optional: true },
              { kind: 'Secret', name: 'hidden', valuesKey: 'values.yaml', optional: true },
            ],
          }
        : p,
    );
    const lookup: ValuesSourceLookup = (ref) =>
      ref.name === 'cni-secret'
        ? 'replicas: 3 # s3cr3t\n'
        : ref.name === 'hidden'
          ? { forbidden: true, reader: 'me' }
          : undefined;
    const c = await compose(draft(packs), await context(lookup));
    const cni = packs.findIndex((p) => p.layer === 'cni');
    expect(c.valuesFrom).toEqual([
      { pack: cni, entry: 0, state: 'found' },
      { pack: cni, entry: 1, state: 'missing' },
      { pack: cni, entry: 2, state: 'forbidden' },
    ]);
    expect(c.problems).toEqual([]);
    expect(JSON.stringify(c)).not.toContain('s3cr3t');
  });

  it('places a resolution problem at the index of the pack it is about', async () => {
    const packs = infraPacks().map((p) => (p.layer === 'cni' ? { ...p, version: '9.x' } : p));
    const c = await compose(draft(packs), await context());
    const cni = packs.findIndex((p) => p.layer === 'cni');
    expect(c.problems).toEqual([expect.objectContaining({ reason: 'NoMatchingVersion', packs: [cni] })]);
    expect(c.problems[0]!.message).toContain('9.x matches none of');
  });

  it('reports what admission would refuse, by field, before resolving: at a pack, or for the whole profile', async () => {
    const packs = infraPacks();
    const ctx = await context();
    const c = await compose(draft([{ ...packs[0], name: 'Not A Name' }, ...packs.slice(1)]), ctx);
    expect(c.result).toBeUndefined();
    expect(c.invalid).toEqual([expect.objectContaining({ field: 'spec.packs[0].name', packs: [0] })]);

    const missing = await compose(draft(packs.filter((p) => p.layer !== 'k8s')), ctx);
    expect(missing.invalid.map((e) => [e.field, e.message, e.packs])).toContainEqual([
      'spec.packs',
      'infra and full profiles need exactly one pack of layer k8s',
      [],
    ]);
  });
});
