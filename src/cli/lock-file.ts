import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { resolvedPack, type ResolvedPack } from '../api/clusterprofile.js';
import { canonicalJson, lockRevision } from '../resolve/lock.js';
import { CliError, EXIT } from './exit-codes.js';
import { formatYamlStream, shortDigest } from './output.js';
import { parseYamlDocuments } from '../resolve/yaml-documents.js';

/**
 * One profile's lock: what the operator writes into `status.resolved` and `status.revision`
 * (revision = sha256 of the canonical JSON of `resolved`, src/resolve/lock.ts).
 */
export interface ProfileLock {
  /** `namespace/name`. */
  profile: string;
  revision: string;
  resolved: ResolvedPack[];
}

const profileLock = z.object({ profile: z.string().min(1), revision: z.string(), resolved: z.array(resolvedPack) });

const ENTRY_KEYS = [
  'name',
  'layer',
  'registry',
  'chart',
  'version',
  'appVersion',
  'digest',
  'url',
  'deprecated',
  'valuesDigest',
] as const;

/** The lock with keys in a fixed order (and unset fields left out), so equal locks print equally. */
export function orderedLock(lock: ProfileLock): ProfileLock {
  return {
    profile: lock.profile,
    revision: lock.revision,
    resolved: lock.resolved.map(
      (r) =>
        Object.fromEntries(
          ENTRY_KEYS.filter((k) => r[k] !== undefined).map((k) => [k, r[k]]),
        ) as unknown as ResolvedPack,
    ),
  };
}

const HEADER = '# Written by `packyard resolve --lock`: the exact resolution of each profile. Check it with --check.\n';

/** A YAML stream of one document per profile, sorted by profile, so rewriting an unchanged lock changes nothing. */
export function formatLockFile(locks: readonly ProfileLock[]): string {
  const sorted = [...locks].sort((a, b) => (a.profile < b.profile ? -1 : a.profile > b.profile ? 1 : 0));
  return HEADER + formatYamlStream(sorted.map(orderedLock));
}

/** Writes through a temporary file, so a reader never sees half a lock. */
export function writeLockFile(path: string, locks: readonly ProfileLock[]): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, formatLockFile(locks));
  renameSync(tmp, path);
}

/** The locks of a lock file by profile; an absent file is an empty lock when `mayBeMissing`. */
export function readLockFile(path: string, mayBeMissing = false): Map<string, ProfileLock> {
  const locks = new Map<string, ProfileLock>();
  if (mayBeMissing && !existsSync(path)) return locks;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(
      `lock file ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      EXIT.USAGE,
    );
  }
  const { documents, errors } = parseYamlDocuments(path, text);
  if (errors[0]) throw new CliError(`${path}:${errors[0].line}: not a lock file: ${errors[0].message}`);
  for (const doc of documents) {
    const parsed = profileLock.safeParse(doc.value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new CliError(
        `${path}:${doc.lineOf(issue.path)}: not a lock file: ${issue.path.join('.') || 'document'}: ${issue.message}`,
      );
    }
    locks.set(parsed.data.profile, parsed.data);
  }
  return locks;
}

/**
 * What changed from the lock file to the locks resolved now, one line per change; empty when the
 * lock file is up to date. Profiles the lock holds but that were not resolved count as changes: a
 * lock file is written for exactly the profiles given.
 */
export function diffLocks(previous: ReadonlyMap<string, ProfileLock>, current: readonly ProfileLock[]): string[] {
  const lines: string[] = [];
  const ids = new Set(current.map((l) => l.profile));
  for (const lock of current) {
    const before = previous.get(lock.profile);
    if (!before) {
      lines.push(`+ ${lock.profile}: not in the lock file`);
      continue;
    }
    const changes = diffEntries(before.resolved, lock.resolved);
    if (changes.length === 0 && before.revision !== lockRevision(before.resolved)) {
      changes.push(`  revision ${before.revision} does not match the entries (edited by hand?)`);
    }
    if (changes.length > 0) lines.push(`~ ${lock.profile}`, ...changes);
  }
  for (const id of [...previous.keys()].sort()) {
    if (!ids.has(id)) lines.push(`- ${id}: in the lock file, but not among the profiles given`);
  }
  return lines;
}

function diffEntries(before: readonly ResolvedPack[], after: readonly ResolvedPack[]): string[] {
  const lines: string[] = [];
  const old = new Map(before.map((r) => [r.name, r]));
  const names = new Set(after.map((r) => r.name));
  for (const r of after) {
    const b = old.get(r.name);
    if (!b) {
      lines.push(`  + ${r.name} ${entryVersion(r)}`);
    } else if (canonicalJson(b) !== canonicalJson(r)) {
      // A new version brings a new digest and URL: only worth saying when the version stayed (a republished chart).
      const implied = b.version === r.version ? [] : ['appVersion', 'digest', 'url'];
      const fields = ENTRY_KEYS.filter(
        (k) => k !== 'name' && k !== 'version' && !implied.includes(k) && b[k] !== r[k],
      ).map((k) => {
        const show = (v: string | boolean | undefined) =>
          v === undefined ? '(none)' : k === 'digest' || k === 'valuesDigest' ? shortDigest(String(v)) : String(v);
        return `${k} ${show(b[k])} -> ${show(r[k])}`;
      });
      const version = b.version === r.version ? entryVersion(r) : `${entryVersion(b)} -> ${entryVersion(r)}`;
      lines.push(`  ~ ${r.name} ${version}${fields.length > 0 ? ` (${fields.join(', ')})` : ''}`);
    }
  }
  for (const b of before) if (!names.has(b.name)) lines.push(`  - ${b.name} ${entryVersion(b)}`);
  const order = (list: readonly ResolvedPack[]) =>
    list
      .map((r) => r.name)
      .filter((n) => names.has(n) && old.has(n))
      .join(',');
  if (lines.length === 0 && order(before) !== order(after)) lines.push('  packs reordered');
  return lines;
}

/** A registry pack's version; a manifest pack (no version) by the digest of its manifests. */
function entryVersion(r: ResolvedPack): string {
  return r.version ?? `manifests ${r.digest ? shortDigest(r.digest) : ''}`.trimEnd();
}
