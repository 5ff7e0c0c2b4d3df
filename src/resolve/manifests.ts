import { createHash } from 'node:crypto';
import type { InlineManifest } from '../api/clusterprofile.js';
import { canonicalJson } from './lock.js';

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
