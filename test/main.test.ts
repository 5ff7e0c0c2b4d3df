// What the operator's entry point loads before it has anything to do: checked in a real node process
// running build/src/main.js, with a module hook that records every module resolved. What idle does
// not need stays out of memory (see docs/deploy.md, "Memory").
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

/** The modules (URLs) `node build/src/main.js --help` resolves: every import of the entry, then it prints usage and exits. */
function modulesLoadedByMain(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'packyard-main-'));
  try {
    const record = join(dir, 'loaded.txt');
    const recorder = join(dir, 'recorder.mjs');
    writeFileSync(
      recorder,
      `import { registerHooks } from 'node:module';
       import { appendFileSync } from 'node:fs';
       registerHooks({ resolve(s, c, next) { const r = next(s, c); appendFileSync(${JSON.stringify(record)}, r.url + '\\n'); return r; } });`,
    );
    const usage = execFileSync(process.execPath, ['--import', recorder, MAIN, '--help'], { encoding: 'utf8' });
    expect(usage).toContain('Usage: packyard-operator');
    return [...new Set(readFileSync(record, 'utf8').split('\n').filter(Boolean))]; // one line per import, not per module
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the operator entry point', () => {
  const loaded = modulesLoadedByMain();
  const from = (part: string) => loaded.filter((u) => u.includes(part));

  it('loads the reconcilers, client-node and the metrics library it runs on', () => {
    expect(from('/src/reconcilers/packregistry-reconciler.js')).toHaveLength(1);
    expect(from('/@kubernetes/client-node/dist/config.js')).toHaveLength(1);
    expect(from('/node_modules/prom-client/').length).toBeGreaterThan(0);
  });

  it('does not load zod: the API names it needs come from src/api/names.ts, and the apiserver validates objects', () => {
    expect(from('/node_modules/zod/')).toEqual([]);
  });

  it("does not load client-node's generated API models", () => {
    expect(from('/client-node/dist/gen/models/')).toEqual([]);
  });

  it('loads no registry source until a sync of that type runs', () => {
    expect(from('/src/sources/helm-repository.js')).toEqual([]);
    expect(from('/src/sources/helm-index.js')).toEqual([]);
    expect(from('/src/sources/oci/')).toEqual([]);
  });
});
