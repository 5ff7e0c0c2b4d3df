import { canonicalJson, lockRevision } from '../../src/resolve/lock.js';
import { closestNames, describeValue, editDistance, formatList, packs, truncate } from '../../src/resolve/explain.js';
import { kubeVersionAllows } from '../../src/resolve/kube-version.js';
import { ProblemSet, summarize } from '../../src/resolve/problems.js';

describe('explain', () => {
  it('formats lists with a limit and a count of the rest', () => {
    expect(formatList([])).toBe('');
    expect(formatList(['a', 'b'])).toBe('a, b');
    expect(formatList(['1', '2', '3', '4', '5'])).toBe('1, 2, 3, 4, 5');
    expect(formatList(['1', '2', '3', '4', '5', '6', '7'])).toBe('1, 2, 3, 4, 5 and 2 more');
    expect(formatList(['1', '2', '3'], 1)).toBe('1 and 2 more');
  });

  it('names one pack or several', () => {
    expect(packs(['a'])).toBe('pack a');
    expect(packs(['a', 'b'])).toBe('packs a, b');
  });

  it('ranks names by containment, then edit distance, then alphabetically', () => {
    expect(closestNames('cilium-operator', ['nginx', 'cilium-cni', 'cilium', 'calico'])).toEqual([
      'cilium',
      'cilium-cni',
      'calico',
      'nginx',
    ]);
    expect(closestNames('B', ['c', 'a', 'a'])).toEqual(['a', 'c']);
  });

  it('computes edit distances', () => {
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('describes YAML values', () => {
    expect([null, [], 'x', 1, true, {}].map(describeValue)).toEqual([
      'null',
      'a list',
      'a string',
      'a number',
      'a boolean',
      'an object',
    ]);
  });

  it('truncates visibly', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abcd', 4)).toBe('abcd');
  });
});

describe('problems', () => {
  it('orders by reason priority, then by when they were found, and groups by key', () => {
    const set = new ProblemSet();
    set.add('InvalidValues', 'a', 'values of a');
    set.addGrouped('RegistryNotReady', 'r1', 'b', (ps) => `r1 ${ps.join(',')}`);
    set.add('PackNotFound', 'c', 'c missing');
    set.addGrouped('RegistryNotReady', 'r1', 'd', (ps) => `never ${ps.join(',')}`);
    set.addGrouped('RegistryNotReady', 'r2', 'e', (ps) => `r2 ${ps.join(',')}`);
    const list = set.list();
    expect(list).toEqual([
      { reason: 'RegistryNotReady', packs: ['b', 'd'], message: 'r1 b,d' },
      { reason: 'RegistryNotReady', packs: ['e'], message: 'r2 e' },
      { reason: 'PackNotFound', packs: ['c'], message: 'c missing' },
      { reason: 'InvalidValues', packs: ['a'], message: 'values of a' },
    ]);
    expect(summarize(list)).toBe('r1 b,d; r2 e; c missing; values of a');
  });

  it('keeps the summary within what a condition message may hold', () => {
    const set = new ProblemSet();
    for (let i = 0; i < 64; i++) set.add('InvalidValues', `p${i}`, 'x'.repeat(1000));
    expect(summarize(set.list())).toHaveLength(32768);
  });
});

describe('kubeVersionAllows', () => {
  it.each<[string | undefined, string, boolean | 'invalid']>([
    [undefined, '1.28.2', true],
    ['', '1.28.2', true],
    ['>=1.25.0-0', '1.28.2', true],
    ['>=1.25.0-0', '1.24.9', false],
    ['>=1.30.0', '1.28.2', false],
    ['>=1.25.0-0', '1.27.3-gke.100', true],
    ['>=1.25.0', '1.27.3-gke.100', true],
    ['<1.28.0', '1.28.0-rc.1', true],
    ['>= 1.19.0-0, < 1.30.0-0', '1.29.9', true],
    ['>= 1.19.0-0, < 1.30.0-0', '1.30.0', false],
    ['>=1.28.0', '1.28.2+rke2r1', true],
    ['~1.28', '1.28.2', true],
    ['banana', '1.28.2', 'invalid'],
  ])('%j allows %s: %j', (constraint, k8s, expected) => {
    expect(kubeVersionAllows(constraint, k8s)).toBe(expected);
  });
});

describe('lock revision', () => {
  it('is independent of key order and unset fields', () => {
    const a = [{ name: 'a', layer: 'addon' as const, registry: 'r', chart: 'a', version: '1.0.0', digest: undefined }];
    const b = [{ version: '1.0.0', chart: 'a', registry: 'r', layer: 'addon' as const, name: 'a' }];
    expect(canonicalJson(a)).toBe('[{"chart":"a","layer":"addon","name":"a","registry":"r","version":"1.0.0"}]');
    expect(lockRevision(a)).toBe(lockRevision(b));
    expect(lockRevision(a)).not.toBe(lockRevision([{ ...b[0]!, version: '1.0.1' }]));
    expect(lockRevision([])).toBe('sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945');
  });
});
