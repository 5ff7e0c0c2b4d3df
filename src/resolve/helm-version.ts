/**
 * A published version read as Helm reads it: Masterminds/semver v3's NewVersion in its default
 * (coerce) mode, which `helm`, Flux and Argo CD all use. The published string stays the version's
 * identity everywhere; this reading only decides validity and order.
 *
 * - a leading `v`, and missing minor or patch, are accepted (`v1.2` reads as 1.2.0);
 * - leading zeros in major, minor and patch are accepted (`3.5.0079` reads as 3.5.79);
 * - a numeric prerelease identifier may not start with 0 (`1.0.0-01` is not a version);
 * - build metadata plays no part in precedence;
 * - each number fits in 64 bits unsigned, and the whole string is at most 256 bytes.
 */
export interface HelmVersion {
  /** Decimal digits without leading zeros (`0` for zero): compared by length, then as text. */
  major: string;
  minor: string;
  patch: string;
  /** Dot-separated prerelease identifiers; empty for a stable version. */
  prerelease: string[];
  /** Build metadata without its `+`; empty when there is none. */
  build: string;
}

/** Masterminds' looseSemVerRegex, anchored as NewVersion anchors it. */
const LOOSE_SEMVER =
  /^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;
const MAX_VERSION_LENGTH = 256;
const MAX_UINT64 = '18446744073709551615';

/** The version `text` reads as, or undefined when Helm would not accept it as a chart version. */
export function readHelmVersion(text: string): HelmVersion | undefined {
  if (text.length > MAX_VERSION_LENGTH) return undefined; // Go counts bytes; the pattern allows ASCII only
  return readReleaseVersion(text) ?? readHelmVersionByPattern(text);
}

/**
 * The shape nearly every chart version has, `1.2.3` or `1.2.3+build`, read without the pattern: a
 * parse reads thousands, and the pattern's match (an array and five substrings each) is most of what
 * a version costs. Undefined for any other text, which the pattern reads.
 */
function readReleaseVersion(text: string): HelmVersion | undefined {
  const minorAt = digitsEnd(text, 0) + 1;
  if (minorAt === 1 || text.charCodeAt(minorAt - 1) !== DOT) return undefined;
  const patchAt = digitsEnd(text, minorAt) + 1;
  if (patchAt === minorAt + 1 || text.charCodeAt(patchAt - 1) !== DOT) return undefined;
  const end = digitsEnd(text, patchAt);
  if (end === patchAt) return undefined;
  let build = '';
  if (end < text.length) {
    if (text.charCodeAt(end) !== PLUS || !BUILD.test(text.slice(end + 1))) return undefined;
    build = text.slice(end + 1);
  }
  const major = uint64(text.slice(0, minorAt - 1));
  const minor = uint64(text.slice(minorAt, patchAt - 1));
  const patch = uint64(text.slice(patchAt, end));
  if (major === undefined || minor === undefined || patch === undefined) return undefined;
  return { major, minor, patch, prerelease: [], build };
}

const DOT = 0x2e;
const PLUS = 0x2b;
/** Build metadata as LOOSE_SEMVER takes it after its `+`. */
const BUILD = /^[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*$/;

/** Where the run of ASCII digits starting at `from` ends. */
function digitsEnd(text: string, from: number): number {
  let i = from;
  for (let c = text.charCodeAt(i); c >= 0x30 && c <= 0x39; c = text.charCodeAt(++i));
  return i;
}

/** readHelmVersion by Masterminds' pattern alone: what the shortcut must agree with (a test compares them). */
export function readHelmVersionByPattern(text: string): HelmVersion | undefined {
  if (text.length > MAX_VERSION_LENGTH) return undefined;
  const m = LOOSE_SEMVER.exec(text);
  if (!m) return undefined;
  const major = uint64(m[1]!);
  const minor = m[2] === undefined ? '0' : uint64(m[2]);
  const patch = m[3] === undefined ? '0' : uint64(m[3]);
  if (major === undefined || minor === undefined || patch === undefined) return undefined;
  const prerelease = m[4] === undefined ? [] : m[4].split('.');
  if (prerelease.some((id) => id.length > 1 && id[0] === '0' && /^[0-9]+$/.test(id))) return undefined;
  return { major, minor, patch, prerelease, build: m[5] ?? '' };
}

/** Masterminds' Version.Compare: by precedence, build metadata ignored. */
export function compareHelmVersions(a: HelmVersion, b: HelmVersion): number {
  const core = compareNumeric(a.major, b.major) || compareNumeric(a.minor, b.minor) || compareNumeric(a.patch, b.patch);
  if (core !== 0) return core;
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return a.prerelease.length === b.prerelease.length ? 0 : a.prerelease.length === 0 ? 1 : -1;
  }
  const n = Math.max(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < n; i++) {
    const d = comparePrereleasePart(a.prerelease[i], b.prerelease[i]);
    if (d !== 0) return d;
  }
  return 0;
}

export function isStable(v: HelmVersion): boolean {
  return v.prerelease.length === 0;
}

/** The plain SemVer 2.0 spelling (`3.5.0079` → `3.5.79`, `v1.2` → `1.2.0`), build metadata kept. */
export function canonicalVersion(v: HelmVersion): string {
  const pre = v.prerelease.length ? `-${v.prerelease.join('.')}` : '';
  return `${v.major}.${v.minor}.${v.patch}${pre}${v.build ? `+${v.build}` : ''}`;
}

/** ParseUint(s, 10, 64) as canonical digits, or undefined on overflow. */
function uint64(digits: string): string | undefined {
  const s = digits.length > 1 && digits.charCodeAt(0) === 0x30 ? digits.replace(/^0+(?=.)/, '') : digits;
  return s.length < MAX_UINT64.length || (s.length === MAX_UINT64.length && s <= MAX_UINT64) ? s : undefined;
}

function compareNumeric(a: string, b: string): number {
  return Math.sign(a.length - b.length) || (a === b ? 0 : a < b ? -1 : 1);
}

/** Masterminds' comparePrePart: a missing part is lower; numbers (as uint64) are lower than words. */
function comparePrereleasePart(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const an = numericIdentifier(a);
  const bn = numericIdentifier(b);
  if (an === undefined && bn === undefined) return a > b ? 1 : -1;
  if (an === undefined) return 1;
  if (bn === undefined) return -1;
  return compareNumeric(an, bn);
}

/** An identifier ParseUint reads (digits that fit 64 bits), as canonical digits. */
function numericIdentifier(id: string): string | undefined {
  return /^[0-9]+$/.test(id) ? uint64(id) : undefined;
}
