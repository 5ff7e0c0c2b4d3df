import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { SourceError } from '../source-error.js';

const gunzipAsync = promisify(gunzip);
const BLOCK = 512;

/**
 * A pack archive's bytes as a tar: gunzipped when they start with the gzip magic (oras pushes a
 * .tar.gz with whatever media type it is told), refused when they inflate past `maxBytes`.
 */
export async function untarBytes(blob: Buffer, maxBytes: number): Promise<Buffer> {
  if (blob[0] !== 0x1f || blob[1] !== 0x8b) return blob;
  try {
    return await gunzipAsync(blob, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new SourceError('IndexTooLarge', `a pack archive inflates to more than the limit of ${maxBytes} bytes`);
    }
    throw new SourceError('InvalidIndex', `a pack archive is not valid gzip: ${(err as Error).message}`);
  }
}

/**
 * The regular files of a tar archive (ustar, pax and GNU long names), path → bytes, for those paths
 * `want` accepts. A dozen lines of header parsing instead of a dependency: we only ever read one small
 * JSON file from archives already in memory and size-checked, so no streaming, links or modes.
 */
export function tarFiles(tar: Buffer, want: (path: string) => boolean): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let longName: string | undefined;
  for (let off = 0; off + BLOCK <= tar.length;) {
    const header = tar.subarray(off, off + BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    const size = octal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156]!);
    const dataStart = off + BLOCK;
    if (size === undefined || dataStart + size > tar.length) break; // not a tar, or truncated
    const data = tar.subarray(dataStart, dataStart + size);
    off = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = cstring(data);
      continue;
    }
    if (type === 'x') {
      longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'))?.[1] ?? longName;
      continue;
    }
    const isUstar = header.subarray(257, 262).toString('latin1') === 'ustar';
    const prefix = isUstar ? cstring(header.subarray(345, 500)) : '';
    const path =
      longName ?? (prefix ? `${prefix}/${cstring(header.subarray(0, 100))}` : cstring(header.subarray(0, 100)));
    longName = undefined;
    const normalised = path.replace(/^(\.\/)+/, '');
    if ((type === '0' || type === '\0') && want(normalised)) out.set(normalised, Buffer.from(data));
  }
  return out;
}

function cstring(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
}

/** Tar sizes are octal text; GNU writes very large ones in base-256 (high bit set), never needed here. */
function octal(b: Buffer): number | undefined {
  if (b[0]! & 0x80) return undefined;
  const text = cstring(b).trim();
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : text === '' ? 0 : undefined;
}
