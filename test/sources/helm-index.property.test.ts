import fc from 'fast-check';
import { compare, parse as parseSemVer } from 'semver';
import type { PackFilter } from '../../src/sources/pack-filter.js';
import { dump } from 'js-yaml';
import { splitCharts } from '../../src/sources/helm-index-split.js';
import { indexYaml, parse } from './helm-index-support.js';

/** Versions as they appear in the wild: mostly SemVer, some with `v` or missing parts, some junk. */
const rawVersion = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        fc.constantFrom('', 'v'),
        fc.nat(3),
        fc.option(fc.nat(3), { nil: undefined }),
        fc.option(fc.nat(3), { nil: undefined }),
        fc.option(fc.constantFrom('rc.1', 'rc.2', 'alpha', 'beta.10', '0'), { nil: undefined }),
        fc.option(fc.constantFrom('b1', 'b2', '001'), { nil: undefined }),
      )
      .map(
        ([v, a, b, c, pre, build]) =>
          `${v}${a}${b === undefined ? '' : `.${b}`}${b === undefined || c === undefined ? '' : `.${c}`}${pre ? `-${pre}` : ''}${build ? `+${build}` : ''}`,
      ),
  },
  { weight: 1, arbitrary: fc.constantFrom('latest', '1.2.3.4', '01.0.0', '') },
);

const created = fc.option(
  fc
    .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2020, 0, 3) })
    .map((ms) => new Date(ms - (ms % 3_600_000)).toISOString()),
  { nil: undefined },
);

const chartVersion = fc.record({ version: rawVersion, created, description: fc.constantFrom('a', 'b') });

const entries = fc.dictionary(fc.stringMatching(/^[a-d]{1,3}$/), fc.array(chartVersion, { maxLength: 12 }), {
  maxKeys: 6,
});

const filter: fc.Arbitrary<PackFilter> = fc.record(
  {
    include: fc.array(fc.constantFrom('a*', 'b*', 'ab', 'c'), { maxLength: 2 }),
    exclude: fc.array(fc.constantFrom('a*', 'b', '*c', 'dd'), { maxLength: 2 }),
    prereleases: fc.boolean(),
    maxVersionsPerPack: fc.integer({ min: 1, max: 4 }),
  },
  { requiredKeys: [] },
);

type Entries = Record<string, { version: string; created?: string; description: string }[]>;

function toYaml(e: Entries): string {
  return indexYaml(clean(e));
}

function clean(e: Entries) {
  return Object.fromEntries(
    Object.entries(e).map(([name, vs]) => [
      name,
      vs.map((v) =>
        Object.fromEntries(
          Object.entries({ ...v, urls: [`${name}-${v.version}.tgz`] }).filter(([, x]) => x !== undefined),
        ),
      ),
    ]),
  );
}

/** A permutation of xs chosen by seed, so fast-check can shrink it. */
function shuffle<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const createdMs = (c: string | undefined) => (c === undefined ? Number.NEGATIVE_INFINITY : Date.parse(c));

describe('parseHelmIndex properties', () => {
  it('lists versions newest first: precedence, then created, then version text', () => {
    fc.assert(
      fc.property(entries, (e) => {
        for (const pack of parse(toYaml(e), { filter: { prereleases: true } }).packs) {
          for (const [a, b] of pack.versions.slice(1).map((v, i) => [pack.versions[i]!, v] as const)) {
            const order = compare(a.version, b.version);
            expect(order).toBeGreaterThanOrEqual(0);
            if (order === 0) {
              expect(createdMs(a.created)).toBeGreaterThanOrEqual(createdMs(b.created));
              if (createdMs(a.created) === createdMs(b.created)) expect(a.version < b.version).toBe(true);
            }
          }
        }
      }),
    );
  });

  it('gives the same packs whatever the order of charts and versions', () => {
    fc.assert(
      fc.property(entries, fc.nat(), filter, (e, seed, f) => {
        const shuffled = Object.fromEntries(
          shuffle(Object.entries(e), seed).map(([n, vs]) => [n, shuffle(vs, seed + 1)]),
        );
        expect(parse(toYaml(shuffled), { filter: f })).toEqual(parse(toYaml(e), { filter: f }));
      }),
    );
  });

  it('accounts for every version: kept, or skipped and counted', () => {
    fc.assert(
      fc.property(entries, (e) => {
        const result = parse(toYaml(e), { filter: { prereleases: true } });
        const total = Object.values(e).reduce((n, vs) => n + vs.length, 0);
        expect(result.packs.reduce((n, p) => n + p.versionCount!, 0) + result.skippedVersions).toBe(total);
        for (const p of result.packs) expect(p.versionCount).toBe(p.versions.length);
      }),
    );
  });

  it('sets latest to the newest release when there is one, else the newest version', () => {
    fc.assert(
      fc.property(entries, (e) => {
        for (const p of parse(toYaml(e), { filter: { prereleases: true } }).packs) {
          const release = p.versions.find((v) => parseSemVer(v.version)!.prerelease.length === 0);
          expect(p.latest).toBe((release ?? p.versions[0])!.version);
        }
      }),
    );
  });

  it('never keeps an excluded name, more than maxVersionsPerPack, or a prerelease when disabled', () => {
    fc.assert(
      fc.property(entries, filter, (e, f) => {
        const { packs } = parse(toYaml(e), { filter: f });
        const excluded = (n: string) =>
          (f.exclude ?? []).some((g) =>
            g.startsWith('*') ? n.endsWith(g.slice(1)) : g.endsWith('*') ? n.startsWith(g.slice(0, -1)) : n === g,
          );
        for (const p of packs) {
          expect(excluded(p.name)).toBe(false);
          if (f.maxVersionsPerPack) expect(p.versions.length).toBeLessThanOrEqual(f.maxVersionsPerPack);
          if (!f.prereleases)
            expect(p.versions.filter((v) => parseSemVer(v.version)!.prerelease.length > 0)).toEqual([]);
        }
      }),
    );
  });

  it('keeps versions canonical SemVer, build metadata included, and unique within a pack', () => {
    fc.assert(
      fc.property(entries, (e) => {
        for (const p of parse(toYaml(e), { filter: { prereleases: true } }).packs) {
          const versions = p.versions.map((v) => v.version);
          expect(new Set(versions).size).toBe(versions.length);
          for (const v of versions) {
            const sv = parseSemVer(v)!;
            expect(sv.build.length ? `${sv.version}+${sv.build.join('.')}` : sv.version).toBe(v);
          }
        }
      }),
    );
  });

  it('reads an index the same chart by chart, whole (flow style), and as JSON', () => {
    fc.assert(
      fc.property(entries, filter, (e, f) => {
        const index = { apiVersion: 'v1', entries: clean(e) };
        const block = toYaml(e);
        const flow = dump(index, { flowLevel: 1 });
        const charts = Object.keys(e).length;
        if (charts > 0) expect(splitCharts(block)?.charts).toHaveLength(charts); // `entries: {}` is flow style
        expect(splitCharts(flow)).toBeUndefined();
        const expected = parse(JSON.stringify(index), { filter: f });
        expect(parse(block, { filter: f })).toEqual(expected);
        expect(parse(flow, { filter: f })).toEqual(expected);
      }),
    );
  });
});
