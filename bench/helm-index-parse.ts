// Parsing a large Helm index: js-yaml and the `yaml` package on their own, against parseHelmIndex
// (js-yaml chart by chart, with alias/depth bounds and normalisation into packs), in the same run:
// median time and peak RSS growth (each in a fresh process). Not a test; takes about two minutes.
// Run: npx tsc -p tsconfig.json && node build/bench/helm-index-parse.js [charts=500] [versionsPerChart=40]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAILSAFE_SCHEMA, load } from 'js-yaml';
import { parse as yamlParse } from 'yaml';
import { parseHelmIndex } from '../src/sources/helm-index.js';

const REPO_URL = 'https://charts.example.com/stable';
const RUNS = 5;

/** An index shaped like big public repositories (Bitnami-style fields and sizes), in Helm's own layout. */
export function generateIndex(charts: number, versionsPerChart: number): string {
  let seed = 42;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const hex = () => Array.from({ length: 64 }, () => '0123456789abcdef'[rand(16)]).join('');
  const out = ['apiVersion: v1', 'entries:'];
  for (let c = 0; c < charts; c++) {
    const name = `chart-${c.toString(36)}-${['nginx', 'redis', 'postgresql', 'kafka', 'grafana'][c % 5]}`;
    out.push(`  ${name}:`);
    for (let v = versionsPerChart - 1; v >= 0; v--) {
      const version = `${1 + Math.floor(v / 20)}.${Math.floor(v / 5) % 4}.${v % 5}${v % 13 === 7 ? '-rc.1' : ''}`;
      const day = String(1 + (v % 28)).padStart(2, '0');
      out.push(
        `  - annotations:`,
        `      category: Infrastructure`,
        `      images: |`,
        `        - name: ${name}`,
        `          image: docker.io/example/${name}:1.${v}.0-debian-12-r${rand(9)}`,
        `      licenses: Apache-2.0`,
        `      packyard.io/layer: ${c % 7 === 0 ? 'cni' : 'addon'}`,
        `    apiVersion: v2`,
        `    appVersion: 1.${v}.${rand(10)}`,
        `    created: "2024-0${1 + (v % 9)}-${day}T10:${String(rand(60)).padStart(2, '0')}:07.${rand(1e9)}Z"`,
        `    dependencies:`,
        `    - name: common`,
        `      repository: oci://registry-1.docker.io/bitnamicharts`,
        `      tags:`,
        `      - bitnami-common`,
        `      version: 2.x.x`,
        `    description: ${name} is a chart used to benchmark parsing; it packages an application with sensible defaults.`,
        `    digest: ${hex()}`,
        `    home: https://example.com/${name}`,
        `    icon: https://example.com/assets/${name}/icon.svg`,
        `    keywords:`,
        `    - ${name}`,
        `    - database`,
        `    - http`,
        `    kubeVersion: '>=1.23.0-0'`,
        `    maintainers:`,
        `    - name: Example, Inc.`,
        `      url: https://github.com/example/charts`,
        `    name: ${name}`,
        `    sources:`,
        `    - https://github.com/example/charts/tree/main/${name}`,
        `    urls:`,
        `    - ${v % 2 ? `${name}-${version}.tgz` : `https://charts.example.com/stable/${name}-${version}.tgz`}`,
        `    version: ${version}`,
      );
    }
  }
  out.push(`generated: "2024-10-01T00:00:00.000000000Z"`, '');
  return out.join('\n');
}

interface Inputs {
  text: string;
  /** What the fetcher hands over: parseHelmIndex checks and decodes UTF-8 itself. */
  bytes: Buffer;
  /** The same index as JSON, which Helm also serves and parseHelmIndex reads with JSON.parse. */
  json: Buffer;
}

const parsers: Record<string, (input: Inputs) => unknown> = {
  'js-yaml load': ({ text }) => load(text),
  'yaml parse': ({ text }) => yamlParse(text),
  'yaml parse (failsafe)': ({ text }) => yamlParse(text, { schema: 'failsafe' }),
  parseHelmIndex: ({ bytes }) => parseHelmIndex(bytes, { repoUrl: REPO_URL }),
  'parseHelmIndex (JSON index)': ({ json }) => parseHelmIndex(json, { repoUrl: REPO_URL }),
};

/** Index files on disk, so a measuring process starts from the bytes alone and no generation garbage. */
function writeInputs(charts: number, versions: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'helm-index-bench-'));
  const text = generateIndex(charts, versions);
  writeFileSync(join(dir, 'index.yaml'), text);
  // Every scalar a string, as Helm's typed loader reads them: js-yaml's default schema made a random
  // digest like 9000…81e30 a number, which the JSON index then (rightly) refused.
  writeFileSync(join(dir, 'index.json'), JSON.stringify(load(text, { schema: FAILSAFE_SCHEMA })));
  return dir;
}

function readInputs(dir: string): Inputs {
  const bytes = readFileSync(join(dir, 'index.yaml'));
  return { bytes, text: bytes.toString('utf8'), json: readFileSync(join(dir, 'index.json')) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Peak RSS above the RSS before one parse, in a fresh process so runs cannot share garbage. */
function rssGrowthMiB(parser: string, dir: string): number {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), 'rss', parser, dir]);
  if (child.status !== 0) throw new Error(child.stderr.toString());
  return Number(child.stdout.toString()) / 2 ** 20;
}

function main(): void {
  const [mode, arg1, arg2] = process.argv.slice(2);
  if (mode === 'rss') {
    const input = readInputs(arg2!);
    const before = process.memoryUsage().rss;
    parsers[arg1!]!(input);
    process.stdout.write(`${process.resourceUsage().maxRSS * 1024 - before}`);
    return;
  }
  const [charts, versions] = [Number(mode ?? 500), Number(arg1 ?? 40)];
  const dir = writeInputs(charts, versions);
  try {
    const input = readInputs(dir);
    const mib = input.bytes.length / 2 ** 20;
    console.log(
      `index: ${charts} charts × ${versions} versions, ${mib.toFixed(1)} MiB (JSON ${(input.json.length / 2 ** 20).toFixed(1)} MiB); median of ${RUNS} runs`,
    );
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(parsers).map((p) => [p, []]));
    for (let run = 0; run <= RUNS; run++) {
      for (const [name, parse] of Object.entries(parsers)) {
        const start = performance.now();
        parse(input);
        if (run > 0) times[name]!.push(performance.now() - start); // run 0 warms up
      }
    }
    const baseline = median(times['js-yaml load']!);
    console.table(
      Object.entries(times).map(([name, ts]) => {
        const growth = rssGrowthMiB(name, dir);
        return {
          parser: name,
          'median ms': Math.round(median(ts)),
          'MiB/s': Number((mib / (median(ts) / 1000)).toFixed(1)),
          'time vs js-yaml': `${(median(ts) / baseline).toFixed(2)}×`,
          'peak RSS growth MiB': Math.round(growth),
          'growth vs index size': `${(growth / mib).toFixed(1)}×`,
        };
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
