import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packFilesSize, type PackFiles } from './pack-files.js';

export const DEFAULT_CONTENT_MEMORY_BYTES = 32 * 1024 * 1024;
const DIGEST = /^sha256:([a-f0-9]{64})$/;

/**
 * Pack files by archive digest: in memory up to `maxBytes` (least recently used out first), and on
 * disk under `dir` when one is given (a volume: a restarted operator reads them back instead of
 * downloading). Content-addressed, so an entry is never stale; a damaged disk entry is a miss.
 */
export class ContentCache {
  readonly #memory = new Map<string, { files: PackFiles; bytes: number }>();
  #bytes = 0;

  constructor(
    readonly maxBytes = DEFAULT_CONTENT_MEMORY_BYTES,
    readonly dir?: string,
  ) {}

  /** Bytes held in memory now (never more than maxBytes). */
  get memoryBytes(): number {
    return this.#bytes;
  }

  async get(key: string): Promise<PackFiles | undefined> {
    const hit = this.#memory.get(key);
    if (hit) {
      this.#memory.delete(key);
      this.#memory.set(key, hit);
      return hit.files;
    }
    const path = this.#path(key);
    if (!path) return undefined;
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as PackFiles;
      if (!isPackFiles(parsed) || parsed.digest !== key.slice(key.indexOf('@') + 1)) return undefined;
      this.#remember(key, parsed);
      return parsed;
    } catch {
      return undefined;
    }
  }

  async set(key: string, files: PackFiles): Promise<void> {
    this.#remember(key, files);
    const path = this.#path(key);
    if (!path) return;
    // Write then rename: a reader (or a crash) never sees half an entry.
    await mkdir(this.dir!, { recursive: true });
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, JSON.stringify(files));
    await rename(tmp, path);
  }

  #remember(key: string, files: PackFiles): void {
    const bytes = packFilesSize(files);
    this.#memory.delete(key);
    if (bytes > this.maxBytes) return; // larger than the whole budget: disk only
    this.#memory.set(key, { files, bytes });
    this.#bytes = [...this.#memory.values()].reduce((n, e) => n + e.bytes, 0);
    for (const [k, e] of this.#memory) {
      if (this.#bytes <= this.maxBytes) break;
      this.#memory.delete(k);
      this.#bytes -= e.bytes;
    }
  }

  /** `<dir>/<kind>-<hex>.json`; only for well-formed keys, so a key never escapes the directory. */
  #path(key: string): string | undefined {
    if (!this.dir) return undefined;
    const [kind, digest] = key.split('@') as [string, string | undefined];
    const m = digest && DIGEST.exec(digest);
    return m && /^(helm|palette)$/.test(kind) ? join(this.dir, `${kind}-${m[1]}.json`) : undefined;
  }
}

function isPackFiles(v: unknown): v is PackFiles {
  if (!v || typeof v !== 'object') return false;
  const p = v as PackFiles;
  return (
    (p.kind === 'helm' || p.kind === 'palette') &&
    typeof p.digest === 'string' &&
    !!p.files &&
    typeof p.files === 'object' &&
    Object.values(p.files).every((f) => typeof f === 'string')
  );
}
