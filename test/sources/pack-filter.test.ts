import fc from 'fast-check';
import { isPrerelease, packNameMatcher, selectVersions, type PackFilter } from '../../src/sources/pack-filter.js';

const NAMES = [
  'cert-manager',
  'cert-manager-csi',
  'cilium',
  'nginx',
  'ingress-nginx',
  '.hidden',
  'charts/nginx',
  'Nginx',
];

function kept(filter?: PackFilter): string[] {
  const matches = packNameMatcher(filter);
  return NAMES.filter(matches);
}

const v = (...versions: string[]) => versions.map((version) => ({ version }));

describe('packNameMatcher', () => {
  it('keeps every name without a filter or with empty lists', () => {
    expect(kept()).toEqual(NAMES);
    expect(kept({ include: [], exclude: [] })).toEqual(NAMES);
  });

  it('keeps only included names', () => {
    expect(kept({ include: ['cert-*'] })).toEqual(['cert-manager', 'cert-manager-csi']);
    expect(kept({ include: ['cilium', 'nginx'] })).toEqual(['cilium', 'nginx']);
    expect(kept({ include: ['{cilium,nginx}'] })).toEqual(['cilium', 'nginx']);
    expect(kept({ include: ['*nginx'] })).toEqual(['nginx', 'ingress-nginx']);
  });

  it('applies exclude after include, and exclude alone drops from everything', () => {
    expect(kept({ include: ['cert-*'], exclude: ['*-csi'] })).toEqual(['cert-manager']);
    expect(kept({ include: ['cilium'], exclude: ['cilium'] })).toEqual([]);
    expect(kept({ exclude: ['*nginx*', '.*'] })).toEqual([
      'cert-manager',
      'cert-manager-csi',
      'cilium',
      'charts/nginx',
      'Nginx',
    ]);
  });

  it('is case-sensitive, lets * match a leading dot but not a slash, and ** cross slashes', () => {
    expect(kept({ include: ['nginx'] })).toEqual(['nginx']);
    expect(kept({ include: ['*'] })).not.toContain('charts/nginx');
    expect(kept({ include: ['*'] })).toContain('.hidden');
    expect(kept({ include: ['**/nginx'] })).toEqual(['nginx', 'charts/nginx']);
  });
});

describe('selectVersions', () => {
  const newestFirst = v('2.0.0-rc.1', '1.1.0', '1.1.0-beta.1+build-7', '1.0.0+build-1', '0.9.0');

  it('keeps prereleases unless disabled (no filter means the defaults)', () => {
    expect(selectVersions(newestFirst)).toEqual(newestFirst);
    expect(selectVersions(newestFirst, { prereleases: false })).toEqual(v('1.1.0', '1.0.0+build-1', '0.9.0'));
    expect(selectVersions(newestFirst, { prereleases: true })).toEqual(newestFirst);
  });

  it('keeps the newest maxVersionsPerPack after dropping prereleases', () => {
    expect(selectVersions(newestFirst, { prereleases: false, maxVersionsPerPack: 2 })).toEqual(
      v('1.1.0', '1.0.0+build-1'),
    );
    expect(selectVersions(newestFirst, { maxVersionsPerPack: 2 })).toEqual(v('2.0.0-rc.1', '1.1.0'));
    expect(selectVersions(newestFirst, { prereleases: true, maxVersionsPerPack: 1 })).toEqual(v('2.0.0-rc.1'));
    expect(selectVersions(newestFirst, { prereleases: true, maxVersionsPerPack: 99 })).toEqual(newestFirst);
  });

  it('returns a new list and keeps extra fields', () => {
    const input = [{ version: '1.0.0', digest: 'sha256:x' }];
    const out = selectVersions(input, { prereleases: true });
    expect(out).toEqual(input);
    expect(out).not.toBe(input);
  });

  it.each([
    ['1.0.0', false],
    ['1.0.0-rc.1', true],
    ['1.0.0+build-1', false],
    ['1.0.0-0+b-1', true],
  ])('isPrerelease(%s) is %s', (version, expected) => {
    expect(isPrerelease(version)).toBe(expected);
  });
});

describe('properties', () => {
  const name = fc.stringMatching(/^[a-c][a-c-]{0,5}$/);
  const semver = fc
    .tuple(
      fc.nat(3),
      fc.nat(3),
      fc.nat(3),
      fc.option(fc.constantFrom('rc.1', 'alpha', '0'), { nil: undefined }),
      fc.option(fc.constantFrom('b-1', 'x'), { nil: undefined }),
    )
    .map(([a, b, c, pre, build]) => `${a}.${b}.${c}${pre ? `-${pre}` : ''}${build ? `+${build}` : ''}`);
  const filter = fc.record(
    {
      include: fc.array(
        fc.oneof(
          name,
          name.map((n) => `${n}*`),
        ),
        { maxLength: 3 },
      ),
      exclude: fc.array(
        fc.oneof(
          name,
          name.map((n) => `${n}*`),
        ),
        { maxLength: 3 },
      ),
      prereleases: fc.boolean(),
      maxVersionsPerPack: fc.integer({ min: 1, max: 5 }),
    },
    { requiredKeys: [] },
  );
  /** An oracle for the two glob shapes generated above, independent of picomatch. */
  const globMatches = (glob: string, n: string) => (glob.endsWith('*') ? n.startsWith(glob.slice(0, -1)) : n === glob);

  it('never keeps an excluded name, nor drops an included one that is not excluded', () => {
    fc.assert(
      fc.property(fc.array(name), filter, (names, f) => {
        const matches = packNameMatcher(f);
        for (const n of names) {
          const included = !f.include?.length || f.include.some((g) => globMatches(g, n));
          const excluded = f.exclude?.some((g) => globMatches(g, n)) ?? false;
          expect(matches(n)).toBe(included && !excluded);
        }
      }),
    );
  });

  it('keeps at most maxVersionsPerPack, no prerelease when disabled, in the order given', () => {
    fc.assert(
      fc.property(fc.array(semver, { maxLength: 20 }), filter, (versions, f) => {
        const input = versions.map((version, i) => ({ version, i }));
        const out = selectVersions(input, f);
        if (f.maxVersionsPerPack !== undefined) expect(out.length).toBeLessThanOrEqual(f.maxVersionsPerPack);
        if (f.prereleases === false) expect(out.filter((x) => x.version.split('+')[0]!.includes('-'))).toEqual([]);
        const eligible = input.filter((x) => f.prereleases !== false || !isPrerelease(x.version));
        expect(out).toEqual(eligible.slice(0, f.maxVersionsPerPack ?? eligible.length));
      }),
    );
  });
});
