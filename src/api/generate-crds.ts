// Writes crds/<plural>.packyard.io.yaml from the zod schemas: `make crds`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCrds } from './render-crds.js';

const outDir = process.argv[2] ?? 'crds';
mkdirSync(outDir, { recursive: true });
for (const [file, text] of Object.entries(renderCrds())) {
  writeFileSync(join(outDir, file), text);
  console.log(`wrote ${join(outDir, file)}`);
}
