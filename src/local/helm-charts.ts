// Helm charts made and indexed by the real helm CLI: the demo repository of `make run`, and tests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { dump } from 'js-yaml';
import { toolPath } from './tools.js';

export interface ChartSpec {
  name: string;
  version: string;
  appVersion?: string;
  kubeVersion?: string;
  description?: string;
  annotations?: Record<string, string>;
  /** Files of the chart directory besides Chart.yaml (values.yaml, values.schema.json, charts/…); default values.yaml has replicaCount: 1. */
  files?: Record<string, string | Buffer>;
  /** Chart.yaml dependencies (their charts vendored under charts/ through `files`). */
  dependencies?: { name: string; version: string; alias?: string; condition?: string; repository?: string }[];
}

/** Runs the real helm CLI with a throwaway home, so nothing leaks between tests or into ~/.config. */
export function helm(args: string[], cwd?: string): string {
  const home = mkdtempSync(join(tmpdir(), 'packyard-helm-home-'));
  return execFileSync(toolPath('helm'), args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, HELM_CONFIG_HOME: home, HELM_CACHE_HOME: home, HELM_DATA_HOME: home },
  });
}

/** A PGP key `helm package --sign` signs with: its user ID and a legacy secret keyring (secring.gpg). */
export interface ChartSigner {
  key: string;
  keyring: string;
}

/**
 * Writes a minimal chart and packages it into `outDir` with `helm package` (and `--sign`, which
 * writes `<chart>.tgz.prov` beside it); returns the .tgz path.
 */
export function packageChart(chart: ChartSpec, outDir: string, signer?: ChartSigner): string {
  const src = mkdtempSync(join(tmpdir(), `packyard-chart-${chart.name}-`));
  mkdirSync(join(src, 'templates'));
  const { files, ...meta } = chart;
  writeFileSync(
    join(src, 'Chart.yaml'),
    dump({ apiVersion: 'v2', type: 'application', description: `The ${chart.name} chart`, ...meta }),
  );
  writeFileSync(join(src, 'values.yaml'), 'replicaCount: 1\n');
  writeFileSync(
    join(src, 'templates', 'configmap.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n',
  );
  for (const [path, content] of Object.entries(files ?? {})) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    writeFileSync(join(src, path), content);
  }
  mkdirSync(outDir, { recursive: true });
  helm([
    'package',
    src,
    '--destination',
    outDir,
    ...(signer ? ['--sign', '--key', signer.key, '--keyring', signer.keyring] : []),
  ]);
  return join(outDir, `${chart.name}-${chart.version}.tgz`);
}

/** A directory holding packaged charts and the index.yaml `helm repo index` made for them. */
export function makeHelmRepository(
  charts: ChartSpec[],
  dir = mkdtempSync(join(tmpdir(), 'packyard-helm-repo-')),
  signer?: ChartSigner,
): string {
  for (const chart of charts) packageChart(chart, dir, signer);
  reindex(dir);
  return dir;
}

/** Regenerates index.yaml from every chart in the directory; relative URLs, as most repositories use. */
export function reindex(dir: string): void {
  helm(['repo', 'index', dir]);
}

/**
 * Publishes one more chart as chart-releaser does: package it apart and merge it into the existing
 * index, so the other charts keep their `created` stamps (a plain reindex would restamp them all).
 */
export function publishChart(chart: ChartSpec, dir: string): void {
  const staging = mkdtempSync(join(tmpdir(), 'packyard-publish-'));
  const tgz = packageChart(chart, staging);
  helm(['repo', 'index', staging, '--merge', join(dir, 'index.yaml')]);
  renameSync(tgz, join(dir, basename(tgz)));
  renameSync(join(staging, 'index.yaml'), join(dir, 'index.yaml'));
  rmSync(staging, { recursive: true, force: true });
}
