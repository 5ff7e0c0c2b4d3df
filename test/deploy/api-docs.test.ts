import { readFileSync } from 'node:fs';
import { renderApiDocs } from '../../src/api/generate-api-docs.js';
import { KINDS } from '../../src/api/crds.js';
import { ROOT } from './manifests-helpers.js';

describe('docs/api.md', () => {
  it('matches the schemas (run `npm run build && npm run api-docs` if not)', () => {
    expect(readFileSync(`${ROOT}/docs/api.md`, 'utf8')).toBe(renderApiDocs());
  });

  it('documents every kind, and every spec field with its validation', () => {
    const docs = renderApiDocs();
    for (const def of KINDS) expect(docs).toContain(`## ${def.kind}\n`);
    expect(docs).toContain('| `spec.packs[].version` | string |');
    expect(docs).toMatch(/\| `spec\.interval` \| string \| `"24h"` \|.*\| Go duration/);
    expect(docs).toContain('packs must be in the order kernel (optional), os, k8s, cni, then csi, then add-ons');
  });
});
