import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './exit-codes.js';

/** `-` names standard input. */
export const STDIN = '-';
const YAML_FILE = /\.ya?ml$/i;
/** Kustomize's own files configure a build; they hold no objects of ours. */
const KUSTOMIZATION = /^kustomization\.ya?ml$/i;

/**
 * The YAML files behind the paths the user gave: files as named (whatever their extension), and
 * every *.yaml / *.yml under a directory, recursively and in a stable order, leaving out
 * kustomization files and hidden directories (.git). A path that does not exist is a usage error.
 */
export function expandPaths(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    if (path === STDIN) {
      files.push(STDIN);
      continue;
    }
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new UsageError(`${path}: no such file or directory`);
    }
    if (isDir) files.push(...walk(path));
    else files.push(path);
  }
  return [...new Set(files)];
}

function walk(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const out: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith('.') && entry.name !== 'node_modules') out.push(...walk(path));
    } else if (
      (entry.isFile() || entry.isSymbolicLink()) &&
      YAML_FILE.test(entry.name) &&
      !KUSTOMIZATION.test(entry.name)
    ) {
      out.push(path);
    }
  }
  return out;
}

/** The text of a file, or of standard input for `-`. */
export function readText(file: string): string {
  try {
    return readFileSync(file === STDIN ? 0 : file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `${file}: ${(e as NodeJS.ErrnoException).code === 'EISDIR' ? 'is a directory' : (e as Error).message}`,
    );
  }
}

/** How a file is named in messages. */
export function displayName(file: string): string {
  return file === STDIN ? '<stdin>' : file;
}
