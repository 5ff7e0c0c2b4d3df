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
  return modulesLoaded([MAIN, '--help'], 'Usage: packyard-operator');
}

/** The modules (URLs) a node running `args` resolves; its output must contain `expected`. */
function modulesLoaded(args: string[], expected: string): string[] {
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
    const output = execFileSync(process.execPath, ['--import', recorder, ...args], { encoding: 'utf8' });
    expect(output).toContain(expected);
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

  it('loads no signature library (OpenPGP.js, sigstore) until a registry with spec.verify syncs', () => {
    const sources = ['sources/helm-repository.js', 'sources/oci/oci-registry-source.js'].map(
      (f) => new URL(`../src/${f}`, import.meta.url).href,
    );
    const script = `${sources.map((u) => `await import(${JSON.stringify(u)});`).join(' ')} console.log('imported');`;
    const loaded = modulesLoaded(['--input-type=module', '-e', script], 'imported');
    expect(loaded.filter((u) => u.includes('/src/sources/helm-repository.js'))).toHaveLength(1);
    expect(loaded.filter((u) => /\/node_modules\/(openpgp|@sigstore|sigstore)\//.test(u))).toEqual([]);
  });
});
