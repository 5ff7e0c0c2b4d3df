import type { PackVersion } from '../../src/api/pack.js';
import {
  compareNewestFirst,
  matches,
  newestMatch,
  parseVersion,
  parseVersionExpression,
  sortNewestFirst,
  type VersionExpression,
} from '../../src/resolve/version-expression.js';

function expr(text: string): VersionExpression {
  const parsed = parseVersionExpression(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.expression;
}

const v = (version: string, created?: string): PackVersion => ({ version, ...(created && { created }) });

describe('parseVersionExpression', () => {
  it.each([
    ['latest', 'latest'],
    ['1.2.3', 'exact'],
    ['v1.2.3', 'exact'],
    ['=1.2.3', 'exact'],
    ['1.2.3-rc.1', 'exact'],
    ['1.2.3+k3s1', 'exact'],
    ['1.27.x', 'train'],
    ['1.27.X', 'train'],
    ['1.27.*', 'train'],
    ['1.x', 'train'],
    ['1.x.x', 'train'],
    ['v1.27.x', 'train'],
    ['1.27', 'train'],
    ['^1.2', 'range'],
    ['~1.2.3', 'range'],
    ['>=1 <2', 'range'],
    ['>=1, <2', 'range'],
    ['1.2 - 1.4', 'range'],
    ['1.x || >=3.1', 'range'],
    ['*', 'range'],
    ['>=1.0.0-rc.0', 'range'],
  ])('reads %s as %s', (text, kind) => {
    expect(expr(text).kind).toBe(kind);
  });

  it.each([
    ['22.04', 'train'],
    ['3.5.0079', 'exact'],
    ['1.2-rc.1', 'exact'],
    ['=1.27', 'range'],
  ])('reads %s, as Helm reads versions, as %s', (text, kind) => {
    expect(expr(text).kind).toBe(kind);
  });

  it('keeps the text for messages', () => {
    expect(expr('^1.15').text).toBe('^1.15');
  });

  it.each(['', 'lastest', 'foo', '1.2.3.4', '>=banana', 'Latest', '^^1', '  ^1.15 ', '1.0.0-01'])(
    'rejects %j with a message',
    (text) => {
      expect(parseVersionExpression(text)).toEqual({
        ok: false,
        error: `version ${JSON.stringify(text)} must be an exact version (1.2.3, 22.04), a range (^1.2, >=1.0 <2), a train (1.27.x, 1.x) or latest`,
      });
    },
  );
});

describe('matches', () => {
  it.each<[string, string[], string[]]>([
    ['latest', ['0.0.1', '1.2.3', '99.0.0', '1.2.3+b'], ['1.2.3-rc.1']],
    ['1.2.3', ['1.2.3', 'v1.2.3', '1.2.3+k3s1'], ['1.2.4', '1.2.3-rc.1']],
    ['v1.2.3', ['1.2.3'], ['1.2.2']],
    ['1.2.3+k3s1', ['1.2.3+k3s1'], ['1.2.3', '1.2.3+k3s2']],
    ['1.2.3-rc.1', ['1.2.3-rc.1'], ['1.2.3', '1.2.3-rc.2']],
    ['1.27.x', ['1.27.0', '1.27.15'], ['1.28.0', '1.26.9', '1.27.16-rc.0']],
    ['1.27.*', ['1.27.3'], ['1.28.0']],
    ['1.27', ['1.27.3'], ['1.28.0']],
    ['1.x', ['1.0.0', '1.99.1'], ['2.0.0', '0.9.0', '1.5.0-beta.1']],
    ['^1.2', ['1.2.0', '1.9.9'], ['1.1.9', '2.0.0', '2.0.0-rc.1']],
    ['^0.2.3', ['0.2.3', '0.2.9'], ['0.3.0']],
    ['~1.2.3', ['1.2.3', '1.2.9'], ['1.3.0', '1.2.2']],
    ['>=1 <2', ['1.0.0', '1.5.5'], ['2.0.0', '0.9.9', '2.0.0-alpha']],
    ['>=1, <2', ['1.5.5'], ['2.0.0']],
    ['1.2 - 1.4', ['1.2.0', '1.4.9'], ['1.5.0', '1.1.9']],
    ['1.x || >=3.1', ['1.2.0', '3.1.0', '4.0.0'], ['2.0.0', '3.0.9']],
    ['>=1.0.0-rc.0', ['1.0.0-rc.0', '1.0.0-rc.1', '1.0.0', '1.1.0'], ['1.1.0-rc.1', '0.9.0']],
    ['*', ['0.0.0', '5.0.0'], ['5.0.0-rc.1']],
    ['3.5.0079', ['3.5.79', '3.5.0079', 'v3.5.079'], ['3.5.80']],
    ['22.04', ['22.04', '22.4.0', '22.4.7', 'v22.04.1'], ['22.10', '22.5.0', '22.04.1-rc.1']],
    ['^2.0.000', ['2.0.000', '2.1.0'], ['3.0.0']],
    ['>=1.2-rc.1', ['1.2.0-rc.1', '1.2-rc.2', '1.3'], ['1.2.0-beta.1', '1.3.0-rc.1']],
  ])('%s matches %j and not %j', (text, yes, no) => {
    const e = expr(text);
    for (const version of yes) expect([version, matches(e, version)]).toEqual([version, true]);
    for (const version of no) expect([version, matches(e, version)]).toEqual([version, false]);
  });

  it('never matches versions that are not SemVer', () => {
    expect(matches(expr('latest'), 'nightly')).toBe(false);
    expect(matches(expr('*'), '1.2.3.4')).toBe(false);
    expect(matches(expr('*'), '1.0.0-01')).toBe(false);
  });

  it('allows any prerelease in range when asked for a hint, never by default', () => {
    expect(matches(expr('^1.2'), '1.5.0-rc.1')).toBe(false);
    expect(matches(expr('^1.2'), '1.5.0-rc.1', { includePrerelease: true })).toBe(true);
    expect(matches(expr('latest'), '1.5.0-rc.1', { includePrerelease: true })).toBe(true);
  });
});

describe('parseVersion', () => {
  it('reads versions as Helm does: v prefix, missing minor and patch, leading zeros', () => {
    expect(parseVersion('v1.2.3')?.version).toBe('1.2.3');
    expect(parseVersion('1.2')?.version).toBe('1.2.0');
    expect(parseVersion('01.2.3')?.version).toBe('1.2.3');
    expect(parseVersion('3.5.0079')?.version).toBe('3.5.79');
    expect(parseVersion('1.0.0-01')).toBeUndefined();
    expect(parseVersion('1.2.3.4')).toBeUndefined();
  });
});

describe('newestMatch', () => {
  it('answers a list it was asked before from memory, and a new list (a changed Pack) afresh', () => {
    const versions = [v('1.9.0'), v('1.10.0')];
    const first = newestMatch(expr('^1'), versions);
    expect(newestMatch(expr('^1'), versions)).toBe(first);
    expect(newestMatch(expr('^2'), versions)).toBeUndefined();
    expect(newestMatch(expr('^2'), versions)).toBeUndefined();
    const changed = [v('2.0.0'), ...versions];
    expect(newestMatch(expr('^2'), changed)?.version).toBe('2.0.0');
    expect(newestMatch(expr('^1'), changed)?.version).toBe('1.10.0');
  });

  it('picks the newest by SemVer, not by list order or text', () => {
    const versions = [v('1.9.0'), v('1.10.0'), v('1.2.0'), v('2.0.0')];
    expect(newestMatch(expr('^1'), versions)?.version).toBe('1.10.0');
  });

  it('breaks ties of equal precedence by created, newest first', () => {
    const versions = [v('1.2.3+a', '2024-01-01T00:00:00Z'), v('1.2.3+b', '2024-06-01T00:00:00Z'), v('1.2.3+c')];
    expect(newestMatch(expr('1.2.3'), versions)?.version).toBe('1.2.3+b');
  });

  it('then by version text, so the choice never depends on input order', () => {
    const versions = [v('1.2.3+b'), v('1.2.3+a')];
    expect(newestMatch(expr('1.2.x'), versions)?.version).toBe('1.2.3+a');
    expect(newestMatch(expr('1.2.x'), [...versions].reverse())?.version).toBe('1.2.3+a');
  });

  it('skips prereleases unless named', () => {
    const versions = [v('1.3.0-rc.1'), v('1.2.0'), v('1.3.0-beta.2')];
    expect(newestMatch(expr('latest'), versions)?.version).toBe('1.2.0');
    expect(newestMatch(expr('^1'), versions)?.version).toBe('1.2.0');
    expect(newestMatch(expr('>=1.3.0-beta.0'), versions)?.version).toBe('1.3.0-rc.1');
    expect(newestMatch(expr('1.3.0-beta.2'), versions)?.version).toBe('1.3.0-beta.2');
  });

  it("chooses the version published as the expression itself first, as Helm's IndexFile.Get does", () => {
    const versions = [v('22.04'), v('22.4.1'), v('22.10')];
    expect(newestMatch(expr('22.04'), versions)?.version).toBe('22.04');
    expect(newestMatch(expr('22.4'), versions)?.version).toBe('22.4.1');
    expect(newestMatch(expr('1.5'), [v('1.5.1'), v('1.5')])?.version).toBe('1.5');
  });

  it('keeps two spellings of one version apart and orders them the same way whatever the input order', () => {
    const versions = [v('v1.2.3'), v('1.2.3'), v('1.02.3')];
    expect(newestMatch(expr('1.2.x'), versions)?.version).toBe('1.02.3');
    expect(newestMatch(expr('1.2.x'), [...versions].reverse())?.version).toBe('1.02.3');
    expect(newestMatch(expr('1.2.3'), versions)?.version).toBe('1.2.3');
    expect(newestMatch(expr('v1.2.3'), versions)?.version).toBe('v1.2.3');
  });

  it('returns undefined when nothing matches', () => {
    expect(newestMatch(expr('^3'), [v('1.0.0')])).toBeUndefined();
    expect(newestMatch(expr('latest'), [])).toBeUndefined();
  });
});

describe('sortNewestFirst', () => {
  it('orders by precedence, then created, then text, and drops non-SemVer', () => {
    const sorted = sortNewestFirst([
      v('1.0.0'),
      v('nightly'),
      v('2.0.0-rc.1'),
      v('1.0.0+b', '2020-01-01T00:00:00Z'),
      v('1.10.0'),
    ]);
    expect(sorted.map((x) => x.version)).toEqual(['2.0.0-rc.1', '1.10.0', '1.0.0+b', '1.0.0']);
    expect(compareNewestFirst(v('1.0.0'), v('1.0.0'))).toBe(0);
  });
});
