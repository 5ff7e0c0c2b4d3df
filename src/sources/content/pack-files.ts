import type { ArchiveSelection } from './archive.js';

/** What kind of archive a version is: a Helm chart, or a Palette pack. */
export type ContentKind = 'helm' | 'palette';

/**
 * The few files of a version's archive that values need, as text, keyed by their path in the chart
 * or pack directory. Subcharts keep theirs under `charts/<name>/` whether they came as directories
 * or as nested archives. Cached by the archive's digest: the same digest, the same files.
 */
export interface PackFiles {
  kind: ContentKind;
  /** sha256 of the archive they were read from. */
  digest: string;
  files: Record<string, string>;
}

const HELM_FILE = /^(charts\/[^/]+\/)*(Chart\.yaml|values\.yaml|values\.schema\.json)$/;
const HELM_NESTED = /^(charts\/[^/]+\/)*charts\/[^/]+\.tgz$/;
const PALETTE_FILE = /^(values\.yaml|schema\.yaml|presets\.yaml|pack\.json)$/;

/** The files each kind keeps; nothing else of an archive is held in memory. */
export const SELECTIONS: Record<ContentKind, ArchiveSelection> = {
  helm: { keep: (p) => HELM_FILE.test(p), nested: (p) => HELM_NESTED.test(p) },
  palette: { keep: (p) => PALETTE_FILE.test(p) },
};

/** Bytes a PackFiles holds (UTF-16 strings count twice), for the memory cache's bound. */
export function packFilesSize(p: PackFiles): number {
  let n = 64 + p.digest.length * 2;
  for (const [k, v] of Object.entries(p.files)) n += (k.length + v.length) * 2;
  return n;
}
