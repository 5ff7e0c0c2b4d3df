import { createHash } from 'node:crypto';
import type { InlineManifest } from '../api/clusterprofile.js';
import { canonicalJson } from './lock.js';
import { isMap } from './values-tree.js';
import { parseYamlDocuments } from './yaml-documents.js';

/**
 * The digest a manifest pack resolves to: `sha256:` and the hex sha256 of the UTF-8 JSON array of
 * its manifests in profile order, each `{"content":…,"name":…}` (keys sorted, no whitespace, strings
 * escaped as JSON.stringify does). Any change of a name, a byte of content or the order changes it;
 * nothing else (values, the pack's name or layer) does.
 */
export function manifestDigest(manifests: readonly InlineManifest[]): string {
  const canonical = canonicalJson(manifests.map(({ name, content }) => ({ name, content })));
  return `sha256:${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
}

/** What is wrong with a manifest as Kubernetes objects: where, the field if one, and what. */
export interface ManifestProblem {
  line: number;
  field?: string;
  message: string;
}

/**
 * Each YAML document of a manifest must be a Kubernetes object: a map with apiVersion, kind and a
 * name (a List needs none). Palette renders a manifest as a Go template with the pack's values first
 * (hello-universe's `name: {{ .Values.namespace }}`): one with template actions is not YAML as it
 * stands, so it is not read here.
 */
export function manifestProblems(file: string, text: string): ManifestProblem[] {
  if (text.includes('{{')) return [];
  const { documents, errors } = parseYamlDocuments(file, text);
  const out: ManifestProblem[] = errors.map((e) => ({ line: e.line, message: e.message }));
  if (errors.length === 0 && documents.length === 0) out.push({ line: 1, message: 'holds no Kubernetes object' });
  for (const d of documents) {
    if (!isMap(d.value)) {
      out.push({ line: d.line, message: 'a Kubernetes object must be a YAML map' });
      continue;
    }
    for (const key of ['apiVersion', 'kind'] as const) {
      if (typeof d.value[key] !== 'string' || d.value[key] === '')
        out.push({ line: d.lineOf([key]), field: key, message: 'is required (a non-empty string)' });
    }
    const meta = isMap(d.value.metadata) ? d.value.metadata : {};
    if (
      typeof meta.name !== 'string' &&
      typeof meta.generateName !== 'string' &&
      !String(d.value.kind ?? '').endsWith('List')
    ) {
      out.push({ line: d.lineOf(['metadata']), field: 'metadata.name', message: 'is required' });
    }
  }
  return out;
}
