// Palette's pack schema, vendored as data: the copy is the fixture byte for byte, and what it says of
// every real pack.json is what ajv says running the fixture itself (the reference, computed here).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { packSchemaIssues } from '../../../src/sources/palette/pack-schema.js';
import { fixtureFile, packFixtures, PALETTE_FIXTURES } from '../../harness/palette-packs.js';

const VENDORED = fileURLToPath(new URL('../../../../src/sources/palette/pack-schema.json', import.meta.url));
const FIXTURE = `${PALETTE_FIXTURES}spectrocloud__pack-central__validator__pack-schema.json`;

describe("Palette's pack schema", () => {
  it('is vendored byte for byte from ../shared/fixtures/palette', () => {
    expect(readFileSync(VENDORED).equals(readFileSync(FIXTURE))).toBe(true);
  });

  it('finds in each real pack.json the problems the schema itself finds, at the same paths', () => {
    const reference = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(FIXTURE, 'utf8')));
    const failing: string[] = [];
    for (const pack of packFixtures()) {
      const json: unknown = JSON.parse(readFileSync(fixtureFile(pack, 'pack.json'), 'utf8'));
      const ok = reference(json);
      const expected = (reference.errors ?? []).map(
        (e) => `${e.instancePath}${e.keyword === 'required' ? `/${String(e.params.missingProperty)}` : ''}`,
      );
      const ours = packSchemaIssues(json).map((i) => i.path.map((p) => `/${p}`).join(''));
      expect(ours).toEqual(expected);
      if (!ok) failing.push(pack);
    }
    expect(packFixtures().length).toBeGreaterThanOrEqual(9);
    // SOURCES.md: the one pack.json of pack-central that fails its schema.
    expect(failing).toEqual(['nvidia-dra-driver-25.8.1']);
  });

  it('names a missing property at its own path, and lists an enum', () => {
    expect(
      packSchemaIssues({
        name: 'x',
        displayName: 'X',
        version: '1.0.0',
        layer: 'gpu',
        constraints: { dependencies: [{ packName: 'k', layer: 'k8s' }] },
      }),
    ).toEqual([
      { path: ['layer'], message: 'must be one of "kernel", "os", "k8s", "cni", "csi", "addon"' },
      { path: ['constraints', 'dependencies', 0, 'type'], message: 'is required' },
    ]);
  });
});
