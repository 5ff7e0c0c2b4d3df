import { createHash } from 'node:crypto';

const MAX_NAME = 253;

/**
 * The Pack object name for a pack of a registry: `<registry>.<pack>`, lower-cased and reduced to
 * an RFC 1123 subdomain. When that changed the name (e.g. `My_Chart`) a short hash of the original
 * is appended, so two packs that sanitise alike still get distinct objects.
 */
export function packObjectName(registry: string, pack: string): string {
  const wanted = `${registry}.${pack}`;
  const sanitized = wanted
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/(^|\.)[-.]+/g, '$1')
    .replace(/[-.]+($|\.)/g, '$1');
  if (sanitized === wanted && wanted.length <= MAX_NAME) return wanted;
  const suffix = createHash('sha256').update(wanted).digest('hex').slice(0, 8);
  return `${sanitized.slice(0, MAX_NAME - 9).replace(/[-.]+$/, '')}-${suffix}`;
}
