import { readFileSync } from 'node:fs';

/** Packyard's version, from the package.json beside build/ (or src/): the image copies it there too. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
