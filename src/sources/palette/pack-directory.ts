import { lstat, opendir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** One file or directory of a pack, by its path inside the pack (POSIX separators). */
export interface PackEntry {
  /** e.g. `charts/eck-stack-0.19.0.tgz`; directories without a trailing slash. */
  path: string;
  type: 'file' | 'dir';
  /** Where to read it (a symlink inside the pack is read through). */
  source: string;
  size: number;
  /** The owner's execute bit: the one mode bit an archive keeps. */
  executable: boolean;
}

/**
 * What a pack may hold. Palette packs are a pack.json, values and a few charts (pack-central's largest is a
 * few MiB), so these are generous; they are checked from directory listings and `stat` before any file is
 * read, so a hostile directory costs neither memory nor time.
 */
export const PACK_LIMITS = {
  /** Files and directories. */
  maxEntries: 10_000,
  maxFileBytes: 100 * 1024 * 1024,
  /** All files together, uncompressed. */
  maxTotalBytes: 256 * 1024 * 1024,
  maxDepth: 32,
};
export type PackLimits = typeof PACK_LIMITS;

/** Why a directory cannot be a pack: a machine reason and a message naming the path. */
export type PackDirectoryReason =
  | 'NotADirectory'
  | 'SymlinkOutsidePack'
  | 'UnsupportedFileType'
  | 'FileTooLarge'
  | 'PackTooLarge'
  | 'TooManyFiles'
  | 'TooDeep';

export class PackDirectoryError extends Error {
  constructor(
    readonly reason: PackDirectoryReason,
    message: string,
  ) {
    super(message);
    this.name = 'PackDirectoryError';
  }
}

/**
 * Every entry of a pack directory, sorted by path (byte order, as the archive stores them). Hidden
 * files and directories (`.git`, `.DS_Store`, `.helmignore`…) are left out. Symlinks are followed
 * only to files inside the pack; one that leaves it, or that points at a directory, is refused, as is
 * anything that is not a file or directory (sockets, devices, FIFOs).
 */
export async function listPackDirectory(dir: string, limits: PackLimits = PACK_LIMITS): Promise<PackEntry[]> {
  let root: string;
  try {
    root = await realpath(dir);
    if (!(await stat(root)).isDirectory()) throw new PackDirectoryError('NotADirectory', `${dir}: not a directory`);
  } catch (e) {
    if (e instanceof PackDirectoryError) throw e;
    throw new PackDirectoryError(
      'NotADirectory',
      `${dir}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (e as Error).message}`,
    );
  }
  const entries: PackEntry[] = [];
  let total = 0;
  const walk = async (abs: string, rel: string, depth: number): Promise<void> => {
    if (depth > limits.maxDepth)
      throw new PackDirectoryError('TooDeep', `${dir}: ${rel} is nested more than ${limits.maxDepth} directories deep`);
    // opendir streams the listing: a directory of a million files is refused after maxEntries, not read whole.
    const handle = await opendir(abs);
    const names: string[] = [];
    try {
      for await (const dirent of handle) {
        if (dirent.name.startsWith('.')) continue;
        if (entries.length + names.length >= limits.maxEntries) {
          throw new PackDirectoryError(
            'TooManyFiles',
            `${dir}: more than ${limits.maxEntries} files and directories; a pack is a pack.json, values and a few charts`,
          );
        }
        names.push(dirent.name);
      }
    } finally {
      await handle.close().catch(() => undefined); // already closed once iteration ended
    }
    for (const name of names.sort(byteOrder)) {
      const path = rel ? `${rel}/${name}` : name;
      const source = join(abs, name);
      const link = await lstat(source);
      let info = link;
      if (link.isSymbolicLink()) {
        const target = await realpath(source).catch(() => undefined);
        const inside = target !== undefined && (target === root || target.startsWith(root + sep));
        if (!inside) {
          throw new PackDirectoryError(
            'SymlinkOutsidePack',
            `${dir}: ${path} is a symlink to ${target ? relative(root, target) || target : 'nothing'}, outside the pack; copy the file into the pack instead`,
          );
        }
        info = await stat(target);
        if (info.isDirectory())
          throw new PackDirectoryError(
            'UnsupportedFileType',
            `${dir}: ${path} is a symlink to a directory; only symlinks to files are followed`,
          );
      }
      if (info.isDirectory()) {
        entries.push({ path, type: 'dir', source, size: 0, executable: false });
        await walk(source, path, depth + 1);
      } else if (info.isFile()) {
        if (info.size > limits.maxFileBytes) {
          throw new PackDirectoryError(
            'FileTooLarge',
            `${dir}: ${path} is ${info.size} bytes, more than the limit of ${limits.maxFileBytes} bytes for one file`,
          );
        }
        total += info.size;
        if (total > limits.maxTotalBytes) {
          throw new PackDirectoryError(
            'PackTooLarge',
            `${dir}: the files add up to more than the limit of ${limits.maxTotalBytes} bytes`,
          );
        }
        entries.push({ path, type: 'file', source, size: info.size, executable: (info.mode & 0o100) !== 0 });
      } else {
        throw new PackDirectoryError('UnsupportedFileType', `${dir}: ${path} is not a regular file or directory`);
      }
    }
  };
  await walk(root, '', 0);
  return entries.sort((a, b) => byteOrder(a.path, b.path));
}

/** Byte order of UTF-8 paths, the same on every machine and locale. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
