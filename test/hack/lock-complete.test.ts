// The committed package-lock.json is complete for `npm ci` on any OS and CPU (.ci/run relies on it),
// and the check names what is missing from one that is not, which .ci/run prints when it falls back.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/local/control-plane.js';
import { tempDir } from '../cli/cli-harness.js';

const root = repoRoot();
const check = (dir: string) =>
  spawnSync(process.execPath, [join(root, 'hack/lock-complete.mjs'), dir], { encoding: 'utf8' });

describe('hack/lock-complete.mjs', () => {
  it('finds the committed lock complete, with native bindings for macOS, Windows and arm64 among its packages', () => {
    const result = check(root);
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
    const packages = Object.keys(JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages);
    expect(packages).toEqual(
      expect.arrayContaining([
        'node_modules/@unrs/resolver-binding-darwin-arm64',
        'node_modules/@unrs/resolver-binding-win32-x64-msvc',
        'node_modules/@unrs/resolver-binding-linux-arm64-gnu',
      ]),
    );
  });

  it('names the platform package a lock lacks, and a package.json the lock does not match', () => {
    const dir = tempDir('packyard-lock-');
    try {
      const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
      delete lock.packages['node_modules/@unrs/resolver-binding-darwin-arm64'];
      writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock));
      const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
      pkg.dependencies['left-pad'] = '1.3.0';
      writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
      const result = check(dir);
      expect(result.status).toBe(1);
      expect(result.stdout).toContain(
        '@unrs/resolver-binding-darwin-arm64 (an optional dependency of unrs-resolver) is missing',
      );
      expect(result.stdout).toContain(
        "package.json's dependencies left-pad@1.3.0 is not what the lock records (nothing)",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is what .ci/run asks before choosing npm ci, and it prints the reason when it falls back', () => {
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    expect(ci).toMatch(/if reason="\$\(node hack\/lock-complete\.mjs\)"; then\n\s+npm ci /);
    expect(ci).toContain('echo "ci: npm install instead of npm ci: $reason"');
    expect(execFileSync('bash', ['-n', join(root, '.ci/run')], { encoding: 'utf8' })).toBe('');
  });
});
