import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import type { PackEntry } from './pack-directory.js';

/** The archive Palette's tooling makes (`tar czf <name>-<version>.tar.gz <name>/`), built reproducibly. */
export interface PackArchive {
  /** `<name>-<version>.tar.gz`, the file name `oras push` records as the layer's title. */
  fileName: string;
  bytes: Buffer;
  /** `sha256:…` of `bytes`. */
  digest: string;
}

/**
 * What makes the same pack give the same bytes on any machine: every entry's time, owner and mode
 * are fixed (only the owner's execute bit survives, as 0755), entries come in byte order of their
 * paths, and the gzip header has no time or name and a fixed OS byte.
 */
const FIXED_MTIME = new Date(0);
const FILE_MODE = 0o644;
const EXECUTABLE_MODE = 0o755;
const DIR_MODE = 0o755;
/** RFC 1952 OS byte; zlib writes the build platform's (3 on Linux, 19 on macOS…). 3 is what `tar czf` writes on Linux. */
const GZIP_OS_UNIX = 3;
const GZIP_OS_OFFSET = 9;

export function packArchiveName(name: string, version: string): string {
  return `${name}-${version}.tar.gz`;
}

/** The archive in memory, to push it. */
export async function buildPackArchive(
  name: string,
  version: string,
  entries: readonly PackEntry[],
): Promise<PackArchive> {
  const chunks: Buffer[] = [];
  const { digest } = await writePackArchive(name, version, entries, async (source) => {
    for await (const chunk of source) chunks.push(chunk);
  });
  return { fileName: packArchiveName(name, version), bytes: Buffer.concat(chunks), digest };
}

/** The archive streamed to `out` (a file for `pack build`): memory holds a chunk at a time, whatever the pack's size. */
export async function writePackArchive(
  name: string,
  version: string,
  entries: readonly PackEntry[],
  out: Writable | ((source: AsyncIterable<Buffer>) => Promise<void>),
): Promise<{ digest: string; size: number }> {
  const tar = tarPack();
  const gzip = createGzip({ level: constants.Z_BEST_COMPRESSION });
  const hash = createHash('sha256');
  let size = 0;
  const header = (path: string, type: 'file' | 'directory', mode: number, bytes: number) => ({
    name: path,
    type,
    mode,
    size: bytes,
    mtime: FIXED_MTIME,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
  });
  const write = async () => {
    tar.entry(header(`${name}/`, 'directory', DIR_MODE, 0));
    for (const e of entries) {
      const path = `${name}/${e.path}`;
      if (e.type === 'dir') {
        tar.entry(header(`${path}/`, 'directory', DIR_MODE, 0));
        continue;
      }
      const sink = tar.entry(header(path, 'file', e.executable ? EXECUTABLE_MODE : FILE_MODE, e.size));
      // tar-stream fails the entry if the file changed size since it was listed.
      await pipeline(createReadStream(e.source), sink);
    }
    tar.finalize();
  };
  // The gzip header's OS byte is the 10th byte of the stream: fixed on the way out, hashed after.
  async function* normalised(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      if (size <= GZIP_OS_OFFSET && size + chunk.length > GZIP_OS_OFFSET) chunk[GZIP_OS_OFFSET - size] = GZIP_OS_UNIX;
      size += chunk.length;
      hash.update(chunk);
      yield chunk;
    }
  }
  await Promise.all([write().catch((err: unknown) => tar.destroy(err as Error)), pipeline(tar, gzip, normalised, out)]);
  return { digest: `sha256:${hash.digest('hex')}`, size };
}
