#!/usr/bin/env node
// Whether package-lock.json is complete enough for `npm ci` on any machine: every optional package
// that a locked package declares (the per-OS/CPU native bindings) is in the lock, so a user on macOS
// or arm64 finds theirs. Prints why not and exits 1; runs on any Node (CI checks before installing).
//   node hack/lock-complete.mjs [DIR]   (default: the repository root)
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..');

function problems() {
  let lock;
  try {
    lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
  } catch (err) {
    return [`package-lock.json cannot be read: ${err.message}`];
  }
  if (!(lock.lockfileVersion >= 2) || !lock.packages)
    return [`package-lock.json has lockfileVersion ${lock.lockfileVersion}; npm ci needs 2 or 3`];
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const out = [];
  const root = lock.packages[''] ?? {};
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(pkg[field] ?? {})) {
      if (root[field]?.[name] !== range)
        out.push(
          `package.json's ${field} ${name}@${range} is not what the lock records (${root[field]?.[name] ?? 'nothing'})`,
        );
    }
  }
  // Node's resolution: from a package's own node_modules up to the top level.
  const resolves = (from, name) => {
    for (let at = from; ; at = at.slice(0, Math.max(0, at.lastIndexOf('/node_modules/')))) {
      if (lock.packages[`${at ? `${at}/` : ''}node_modules/${name}`]) return true;
      if (!at) return false;
    }
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      if (!resolves(path, name))
        out.push(
          `${name} (an optional dependency of ${path.replace(/^.*node_modules\//, '') || 'the project'}) is missing`,
        );
    }
  }
  return out;
}

const found = problems();
if (found.length > 0) {
  const shown = found.slice(0, 5).join('; ') + (found.length > 5 ? `; and ${found.length - 5} more` : '');
  process.stdout.write(`package-lock.json is incomplete: ${shown}\n`);
  process.exit(1);
}
