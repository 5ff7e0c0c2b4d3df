import { dump } from 'js-yaml';
import { parseHelmIndex, type HelmIndexOptions } from '../../src/sources/helm-index.js';
import { SourceError } from '../../src/sources/source-error.js';

export const REPO_URL = 'https://charts.example.com/stable';

/** A chart version entry as Helm writes it; tests override what they care about. */
export function entry(version: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v2', name: 'chart', version, urls: [`chart-${version}.tgz`], ...extra };
}

export function indexYaml(entries: Record<string, unknown>): string {
  return dump({ apiVersion: 'v1', entries, generated: '2024-01-01T00:00:00Z' });
}

export function parse(body: Buffer | string, opts: Partial<HelmIndexOptions> = {}) {
  return parseHelmIndex(body, { repoUrl: REPO_URL, ...opts });
}

/** The SourceError parsing throws; fails the test when it does not throw one. */
export function parseError(body: Buffer | string, opts: Partial<HelmIndexOptions> = {}): SourceError {
  try {
    parse(body, opts);
  } catch (e) {
    if (e instanceof SourceError) return e;
    throw e;
  }
  throw new Error('expected parseHelmIndex to throw a SourceError');
}
