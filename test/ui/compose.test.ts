// The composer's server side: the CRD's own schema and rules first, then the operator's resolver,
// and every message placed at the pack it is about.
import { compose } from '../../src/ui/compose.js';
import { resolveProfile } from '../../src/resolve/resolve-profile.js';
import { catalogue, infraPacks, REGISTRIES } from '../resolve/fixtures.js';

const draft = (packs: unknown[], type = 'infra') => ({ name: 'edge', namespace: 'team-a', spec: { type, packs } });

describe('compose', () => {
  it("resolves a valid profile exactly as the operator's resolver does, and gives its YAML", () => {
    const packs = infraPacks();
    const c = compose(draft(packs), catalogue(), REGISTRIES);
    expect(c.invalid).toEqual([]);
    expect(c.problems).toEqual([]);
    const expected = resolveProfile({
      profile: { spec: { type: 'infra', version: '1.0.0', updatePolicy: 'Auto', packs }, namespace: 'team-a' },
      packs: catalogue(),
      registries: REGISTRIES,
      valuesSources: () => undefined,
      updateRequested: false,
    });
    expect(c.result).toEqual(expected);
    expect(c.yaml).toContain('kind: ClusterProfile\nmetadata:\n  name: edge\n  namespace: team-a\n');
  });

  it('places a resolution problem at the index of the pack it is about', () => {
    const packs = infraPacks().map((p) => (p.layer === 'cni' ? { ...p, version: '9.x' } : p));
    const c = compose(draft(packs), catalogue(), REGISTRIES);
    const cni = packs.findIndex((p) => p.layer === 'cni');
    expect(c.problems).toEqual([expect.objectContaining({ reason: 'NoMatchingVersion', packs: [cni] })]);
    expect(c.problems[0]!.message).toContain('9.x matches none of');
  });

  it('reports what admission would refuse, by field, before resolving: at a pack, or for the whole profile', () => {
    const packs = infraPacks();
    const c = compose(draft([{ ...packs[0], name: 'Not A Name' }, ...packs.slice(1)]), catalogue(), REGISTRIES);
    expect(c.result).toBeUndefined();
    expect(c.invalid).toEqual([expect.objectContaining({ field: 'spec.packs[0].name', packs: [0] })]);

    const missing = compose(draft(packs.filter((p) => p.layer !== 'k8s')), catalogue(), REGISTRIES);
    expect(missing.invalid.map((e) => [e.field, e.message, e.packs])).toContainEqual([
      'spec.packs',
      'infra and full profiles need exactly one pack of layer k8s',
      [],
    ]);
  });
});
