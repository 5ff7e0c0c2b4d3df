import { labelSelectorProblem } from '../../src/controller/label-selector.js';
import { leaderElectionId } from '../../src/controller/manager.js';

describe('labelSelectorProblem', () => {
  it.each([
    'packyard.io/shard=a',
    'packyard.io/shard==a',
    'packyard.io/shard!=a',
    '!packyard.io/shard',
    'packyard.io/shard',
    'packyard.io/shard in (a, b)',
    'packyard.io/shard notin (a,b),tier=gold',
    'env=',
    'replicas>2',
  ])('accepts %s', (selector) => {
    expect(labelSelectorProblem(selector)).toBeUndefined();
  });

  it.each([
    ['packyard.io/shard=a,', 'an empty requirement'],
    ['shard in a,b', 'is not a label requirement'],
    ['shard=a b', 'is not a label requirement'],
    ['-bad=a', 'is not a label requirement'],
    ['shard=' + 'x'.repeat(64), 'is not a label requirement'],
    ['Bad.Prefix/shard=a', 'is not a label requirement'],
  ])('rejects %s', (selector, problem) => {
    expect(labelSelectorProblem(selector)).toContain(problem);
  });
});

describe('leaderElectionId', () => {
  it('is the plain lease name without a selector, and one lease per selector with one', () => {
    expect(leaderElectionId('packyard', undefined)).toBe('packyard-leader');
    const a = leaderElectionId('packyard', 'packyard.io/shard=a');
    expect(a).toMatch(/^packyard-leader-[0-9a-f]{10}$/);
    expect(leaderElectionId('packyard', 'packyard.io/shard=a')).toBe(a);
    expect(leaderElectionId('packyard', 'packyard.io/shard=b')).not.toBe(a);
  });
});
