import { DEFAULT_CONCURRENT_RECONCILES } from '../src/controller/manager.js';
import { parseOperatorFlags } from '../src/operator.js';

describe('operator flags', () => {
  it('--concurrent sets how many ClusterProfiles reconcile at once', () => {
    expect(parseOperatorFlags([], {}).concurrent).toBe(DEFAULT_CONCURRENT_RECONCILES);
    expect(parseOperatorFlags(['--concurrent', '32'], {}).concurrent).toBe(32);
    expect(parseOperatorFlags(['--concurrent=1'], {}).concurrent).toBe(1);
  });

  it.each(['0', '-4', '2.5', 'many', '1000'])('refuses --concurrent %s', (value) => {
    expect(() => parseOperatorFlags([`--concurrent=${value}`], {})).toThrow(
      `--concurrent must be a whole number from 1 to 256, got "${value}"`,
    );
  });
});
