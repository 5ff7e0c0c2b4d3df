// Pack directories for `packyard pack` tests, made from the real pack-central pack.json files in
// ../shared/fixtures/palette: every chart a pack.json lists is a real chart packaged by `helm package`
// under the name it lists, every manifest a real Kubernetes object, values.yaml the pack's own when the
// fixtures have it.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageChart } from './helm-charts.js';

export const PALETTE_FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/palette/', import.meta.url));
const PREFIX = 'spectrocloud__pack-central__packs__';

/** `<dir>-<version>` of every pack.json fixture, e.g. `hello-universe-1.3.1`. */
export function packFixtures(): string[] {
  return readdirSync(PALETTE_FIXTURES)
    .filter((f) => f.startsWith(PREFIX) && f.endsWith('__pack.json'))
    .map((f) => f.slice(PREFIX.length, -'__pack.json'.length))
    .sort();
}

export function fixtureFile(pack: string, file: string): string {
  return join(PALETTE_FIXTURES, `${PREFIX}${pack}__${file}`);
}

/** Writes the fixture pack `pack` into `dir` (created); returns `dir`. */
export function writeFixturePack(pack: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  copyFileSync(fixtureFile(pack, 'pack.json'), join(dir, 'pack.json'));
  for (const file of ['values.yaml', 'presets.yaml', 'schema.yaml']) {
    if (existsSync(fixtureFile(pack, file))) copyFileSync(fixtureFile(pack, file), join(dir, file));
  }
  if (!existsSync(join(dir, 'values.yaml'))) writeFileSync(join(dir, 'values.yaml'), 'pack:\n  namespace: default\n');
  const json = JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8')) as {
    charts?: string[];
    kubeManifests?: string[];
  };
  const version = (JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8')) as { version: string }).version;
  for (const chart of json.charts ?? []) {
    // helm names a package <name>-<version>.tgz (the version starts at the first "-<digit>"); a bare
    // <name>.tgz (argocd) gets the pack's version.
    const m = /^(.+?)(?:-(\d.*))?\.tgz$/.exec(basename(chart));
    if (!m) throw new Error(`${pack}: cannot tell the chart name from ${chart}`);
    const made = packageChart({ name: m[1]!, version: m[2] ?? version }, join(dir, dirname(chart)));
    if (made !== join(dir, chart)) renameSync(made, join(dir, chart));
  }
  for (const manifest of json.kubeManifests ?? []) {
    mkdirSync(join(dir, dirname(manifest)), { recursive: true });
    writeFileSync(
      join(dir, manifest),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${basename(manifest, '.yaml')}\ndata:\n  hello: universe\n`,
    );
  }
  return dir;
}

/** Every regular file under `dir`, path → content, for comparing trees. */
export function treeOf(dir: string, prefix = ''): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [k, v] of treeOf(dir, path)) out.set(k, v);
    else out.set(path, readFileSync(join(dir, path)));
  }
  return out;
}
