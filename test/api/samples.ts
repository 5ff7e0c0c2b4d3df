import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SAMPLES_DIR = `${REPO_ROOT}deploy/samples`;

/** Every object in deploy/samples, with the file it came from. */
export function loadSamples(): { file: string; object: Record<string, unknown> }[] {
  return readdirSync(SAMPLES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((file) =>
      loadAll(readFileSync(`${SAMPLES_DIR}/${file}`, 'utf8')).map((object) => ({
        file,
        object: object as Record<string, unknown>,
      })),
    );
}
