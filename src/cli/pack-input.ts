import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { buildPackArchive, packArchiveName, type PackArchive } from '../sources/palette/pack-archive.js';
import {
  listPackDirectory,
  PACK_LIMITS,
  PackDirectoryError,
  type PackEntry,
} from '../sources/palette/pack-directory.js';
import { packSchemaIssues } from '../sources/palette/pack-schema.js';
import { packJsonFromTar } from '../sources/oci/palette-pack.js';
import { untarBytes } from '../sources/oci/tar.js';
import { SourceError } from '../sources/source-error.js';
import { CliError, EXIT, UsageError } from './exit-codes.js';
import { formatDiagnostic, type Diagnostic } from './diagnostics.js';
import { isProblem, lintPack, type LintedPack } from './pack-lint.js';

/** A pack ready to push: what it is called and its archive. */
export interface BuiltPack extends LintedPack {
  archive: PackArchive;
}

/** Lints a pack directory; a directory that cannot be a pack (hostile or too big) is an error naming why. */
export async function lintPackDirectory(
  dir: string,
): Promise<{ diagnostics: Diagnostic[]; pack?: LintedPack; entries: PackEntry[] }> {
  const entries = await listOrFail(dir);
  return { ...(await lintPack(dir, entries)), entries };
}

/** Lints and builds a pack directory in memory; lint problems are printed (stderr) and end the command with exit 1. */
export async function buildPackDirectory(dir: string, err: (text: string) => void): Promise<BuiltPack> {
  const { pack, entries } = await lintedPackDirectory(dir, err);
  return { ...pack, archive: await buildPackArchive(pack.name, pack.version, entries) };
}

/** A pack directory that lints clean, or exit 1 with its problems printed. */
export async function lintedPackDirectory(
  dir: string,
  err: (text: string) => void,
): Promise<{ pack: LintedPack; entries: PackEntry[] }> {
  const { diagnostics, pack, entries } = await lintPackDirectory(dir);
  for (const d of diagnostics) err(`${formatDiagnostic(d)}\n`); // warnings too, and they fail nothing
  if (!pack) {
    const n = diagnostics.filter(isProblem).length;
    throw new CliError(
      `${dir}: ${n === 1 ? '1 problem; fix it' : `${n} problems; fix them`} and build again (packyard pack lint ${dir})`,
    );
  }
  return { pack, entries };
}

/** A pack archive built earlier (`pack build`, or Palette's `tar czf`): its pack.json names it. */
export async function readPackArchive(file: string): Promise<BuiltPack> {
  const size = (await stat(file)).size;
  if (size > PACK_LIMITS.maxTotalBytes)
    throw new CliError(
      `${file}: ${size} bytes is more than the limit of ${PACK_LIMITS.maxTotalBytes} bytes for a pack`,
    );
  const bytes = await readFile(file);
  let json: unknown;
  try {
    const packJson = packJsonFromTar(await untarBytes(bytes, PACK_LIMITS.maxTotalBytes + 1024 * 1024));
    if (!packJson) throw new CliError(`${file}: no pack.json in the archive (expected <name>/pack.json)`);
    json = JSON.parse(packJson.toString('utf8'));
  } catch (e) {
    if (e instanceof SourceError || e instanceof SyntaxError) throw new CliError(`${file}: ${e.message}`);
    throw e;
  }
  const issues = packSchemaIssues(json);
  if (issues.length > 0) {
    const first = issues[0]!;
    throw new CliError(
      `${file}: its pack.json does not pass Palette's pack schema: ${first.path.join('.')}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`,
    );
  }
  const { name, version } = json as { name: string; version: string };
  return {
    name,
    version,
    archive: {
      fileName: packArchiveName(name, version),
      bytes,
      digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    },
  };
}

async function listOrFail(dir: string): Promise<PackEntry[]> {
  try {
    return await listPackDirectory(dir);
  } catch (e) {
    if (!(e instanceof PackDirectoryError)) throw e;
    if (e.reason === 'NotADirectory') throw new UsageError(e.message);
    throw new CliError(`refused: ${e.message}`, EXIT.ERRORS);
  }
}
