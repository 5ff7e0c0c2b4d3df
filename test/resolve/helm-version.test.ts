// Versions read as Helm reads them (Masterminds/semver v3.5.0 NewVersion, coerce mode): the cases of
// its own version_test.go that concern validity and order, and the odd ones real indexes publish.
import fc from 'fast-check';
import {
  canonicalVersion,
  compareHelmVersions,
  readHelmVersion,
  readHelmVersionByPattern,
  type HelmVersion,
} from '../../src/resolve/helm-version.js';

const read = (text: string): HelmVersion => {
  const v = readHelmVersion(text);
  if (!v) throw new Error(`${text} did not read`);
  return v;
};

describe('readHelmVersion', () => {
  it("reads every text as Masterminds' pattern alone does (the shortcut for 1.2.3 and 1.2.3+build)", () => {
    const unit = fc.constantFrom('0', '1', '9', '.', '+', '-', 'v', 'a', 'Z', ' ', '١');
    const shaped = fc
      .tuple(fc.stringMatching(/^[0-9]{1,21}$/), fc.stringMatching(/^[0-9]{0,21}$/), fc.stringMatching(/^[0-9]{0,21}$/))
      .chain(([a, b, c]) => fc.string({ unit, maxLength: 12 }).map((tail) => `${a}.${b}.${c}${tail}`));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit, maxLength: 24 }), shaped), (text) => {
        expect(readHelmVersion(text)).toEqual(readHelmVersionByPattern(text));
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['1.2.3', '1.2.3'],
    ['v1.2.3', '1.2.3'],
    ['1.2', '1.2.0'],
    ['v0.5.30', '0.5.30'],
    ['0.1', '0.1.0'],
    ['1', '1.0.0'],
    ['2.0.000', '2.0.0'],
    ['3.5.0079', '3.5.79'],
    ['0.46.00', '0.46.0'],
    ['01.02.03', '1.2.3'],
    ['1.2-rc.1', '1.2.0-rc.1'],
    ['4.0.4-1', '4.0.4-1'],
    ['12.1.11+20260727.061213.2528', '12.1.11+20260727.061213.2528'],
    ['1.0.0+001', '1.0.0+001'],
    ['1.0.0-x-y.7', '1.0.0-x-y.7'],
    ['18446744073709551615.0.0', '18446744073709551615.0.0'],
  ])('reads %s as %s', (text, canonical) => {
    expect(canonicalVersion(read(text))).toBe(canonical);
  });

  it.each([
    '',
    'v',
    'V1.2.3',
    '1.2.3.4',
    '1.0.0-01',
    '1.0.0-rc.00',
    '1.0.0-',
    '1.0.0+',
    '1.0.0-rc..1',
    '1.0.0+a+b',
    ' 1.2.3',
    '1.2.3 ',
    '1.2.3\n',
    'latest',
    '18446744073709551616.0.0',
    `1.0.0-${'a'.repeat(251)}`, // 257 bytes: over Masterminds' MaxVersionLen
  ])('refuses %j', (text) => {
    expect(readHelmVersion(text)).toBeUndefined();
  });
});

describe('compareHelmVersions', () => {
  it('orders by precedence, as SemVer 2.0 says, with build metadata ignored', () => {
    const ordered = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.1',
      '1.10.0',
      '2',
      '18446744073709551615.0.0',
    ];
    for (let i = 1; i < ordered.length; i++) {
      expect([ordered[i - 1], ordered[i], compareHelmVersions(read(ordered[i - 1]!), read(ordered[i]!))]).toEqual([
        ordered[i - 1],
        ordered[i],
        -1,
      ]);
      expect(compareHelmVersions(read(ordered[i]!), read(ordered[i - 1]!))).toBe(1);
    }
    expect(compareHelmVersions(read('1.2.3+a'), read('v1.2.3+b'))).toBe(0);
    expect(compareHelmVersions(read('3.5.0079'), read('3.5.79'))).toBe(0);
  });

  it('compares numeric prerelease parts beyond 2^53 exactly', () => {
    expect(compareHelmVersions(read('1.0.0-9007199254740993'), read('1.0.0-9007199254740992'))).toBe(1);
  });
});
