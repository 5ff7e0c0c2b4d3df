import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { formatBytes } from '../http-errors.js';
import { ContentError } from './content-error.js';

/** How much an archive may cost to read; every limit fails with a message naming it. */
export interface ArchiveLimits {
  /** Bytes the archive (and every archive nested in it) may inflate to in all: defuses gzip bombs. */
  maxInflatedBytes: number;
  /** Entries of every kind, nested archives included: defuses archives of a million empty files. */
  maxEntries: number;
  /** Size of one kept file (values.yaml, a schema, a nested chart archive). */
  maxFileBytes: number;
  /** Kept files in all: what reading an archive holds in memory besides the archive itself. */
  maxKeptBytes: number;
  /** Chart archives inside chart archives (charts/*.tgz), as `helm dependency build` leaves them. */
  maxDepth: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxInflatedBytes: 256 * 1024 * 1024,
  maxEntries: 20_000,
  maxFileBytes: 8 * 1024 * 1024,
  maxKeptBytes: 32 * 1024 * 1024,
  maxDepth: 4,
};

/** What to do with an entry, by its path below the archive's top directory. */
export interface ArchiveSelection {
  keep(path: string): boolean;
  /** A nested archive to read in turn; its files land under `nestedRoot(path)/`. */
  nested?(path: string): boolean;
}

interface Budget {
  inflated: number;
  entries: number;
  kept: number;
}

/**
 * The files of a (gzipped) tar that `select` keeps, keyed by their path below the archive's single
 * top directory (`mychart/values.yaml` → `values.yaml`), as Helm's loader reads a chart archive.
 * Streams: memory holds the kept files only. Links, absolute paths and `..` are refused outright,
 * as Helm refuses content outside the chart's directory, rather than skipped in silence.
 */
export async function readArchive(
  bytes: Buffer,
  select: ArchiveSelection,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
  what = 'the archive',
): Promise<Map<string, Buffer>> {
  return read(bytes, select, limits, { inflated: 0, entries: 0, kept: 0 }, what, 0);
}

async function read(
  bytes: Buffer,
  select: ArchiveSelection,
  limits: ArchiveLimits,
  budget: Budget,
  what: string,
  depth: number,
): Promise<Map<string, Buffer>> {
  const raw = new Map<string, Buffer>();
  const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      budget.inflated += chunk.length;
      if (budget.inflated > limits.maxInflatedBytes) {
        done(
          new ContentError(
            `${what} inflates to more than ${formatBytes(limits.maxInflatedBytes)} (the limit): a decompression bomb, or far more than a pack needs`,
          ),
        );
      } else done(null, chunk);
    },
  });
  const untar = extract();
  const sink = untar as unknown as Writable;
  const source = Readable.from([bytes]);
  const feed = (gz ? pipeline(source, createGunzip(), count, sink) : pipeline(source, count, sink)).then(
    () => undefined,
    (e: unknown) => e,
  );
  const invalid = (err: unknown) =>
    err instanceof ContentError
      ? err
      : new ContentError(`${what} is not a valid ${gz ? 'gzipped ' : ''}tar archive: ${(err as Error).message}`);
  try {
    for await (const entry of untar) {
      const header = entry.header;
      if (++budget.entries > limits.maxEntries)
        throw new ContentError(`${what} has more than ${limits.maxEntries} entries (the limit)`);
      const path = entryPath(header.name);
      if (path === undefined)
        throw new ContentError(`${what} contains ${JSON.stringify(header.name)}, a path outside the archive; refused`);
      if (header.type === 'symlink' || header.type === 'link') {
        throw new ContentError(
          `${what} contains a link ${header.name} → ${header.linkname}; links are refused (they can point outside the pack)`,
        );
      }
      if (header.type !== 'file' && header.type !== 'contiguous-file' && header.type !== 'directory') {
        throw new ContentError(
          `${what} contains ${header.name}, a ${header.type}; only files and directories are read`,
        );
      }
      // The top directory is known only once every entry is seen: select with and without it.
      const wants = (p: string) => select.keep(p) || !!select.nested?.(p);
      const kept =
        header.type !== 'directory' &&
        (wants(path) || (path.includes('/') && wants(path.slice(path.indexOf('/') + 1))));
      if (kept && header.size > limits.maxFileBytes) {
        throw new ContentError(
          `${what}: ${path} is ${formatBytes(header.size)}, more than the limit of ${formatBytes(limits.maxFileBytes)} for one file`,
        );
      }
      if (kept && (budget.kept += header.size) > limits.maxKeptBytes) {
        throw new ContentError(
          `${what}: the files read from it pass ${formatBytes(limits.maxKeptBytes)} in all (the limit)`,
        );
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry) if (kept) chunks.push(chunk as Buffer);
      if (kept) raw.set(path, Buffer.concat(chunks));
    }
  } catch (err) {
    untar.destroy();
    const fed = await feed;
    throw invalid(fed instanceof ContentError ? fed : err);
  }
  const fed = await feed;
  if (fed) throw invalid(fed);
  // One top directory, as `helm package` and Palette's `tar czf name.tar.gz name/` write it; else the root.
  const tops = new Set([...raw.keys()].map((p) => (p.includes('/') ? p.slice(0, p.indexOf('/')) : '')));
  const files = new Map<string, Buffer>();
  for (const [path, data] of raw) {
    const rel = tops.size === 1 && !tops.has('') ? path.slice(path.indexOf('/') + 1) : path;
    if (select.keep(rel)) files.set(rel, data);
    else if (select.nested?.(rel)) {
      if (depth + 1 > limits.maxDepth)
        throw new ContentError(`${what}: archives nested more than ${limits.maxDepth} deep`);
      const inner = await read(data, select, limits, budget, `${what}: ${rel}`, depth + 1);
      const root = rel.slice(0, rel.lastIndexOf('/') + 1);
      const name = nestedName(inner);
      for (const [p, d] of inner) files.set(`${root}${name}/${p}`, d);
    }
  }
  return files;
}

/** The directory a nested chart unpacks to: its Chart.yaml's top directory is lost, so read its name. */
function nestedName(files: Map<string, Buffer>): string {
  const chart = files.get('Chart.yaml')?.toString('utf8') ?? '';
  const m = /^name:\s*["']?([^"'\s#]+)/m.exec(chart);
  return m?.[1] ?? 'unnamed';
}

/** The entry's path without `./`; undefined when it could land outside the archive's directory. */
function entryPath(name: string): string | undefined {
  const path = name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.split(/[\\/]/).includes('..')) return undefined;
  return path;
}
