import { readdirSync, readFileSync } from 'node:fs';
import { CLUSTERPROFILE_REASONS } from '../../src/api/clusterprofile-reasons.js';
import { renderTroubleshooting } from '../../src/api/generate-troubleshooting.js';
import { PACKREGISTRY_REASONS } from '../../src/api/packregistry-reasons.js';
import { RECONCILIATION_FAILED, stalls, type ReasonDoc } from '../../src/api/reasons.js';
import { RESOLVE_REASONS } from '../../src/resolve/problems.js';
import { ROOT } from '../deploy/manifests-helpers.js';

const tables: [string, readonly ReasonDoc[]][] = [
  ['PackRegistry', PACKREGISTRY_REASONS],
  ['ClusterProfile', CLUSTERPROFILE_REASONS],
];

describe('reason tables', () => {
  it('docs/troubleshooting.md shows them (run `make crds` if not)', () => {
    const page = readFileSync(`${ROOT}/docs/troubleshooting.md`, 'utf8');
    expect(page).toBe(renderTroubleshooting(page));
  });

  it.each(tables)(
    '%s: one Ready=True reason first, then failures, each named once, explained and with a fix',
    (_, table) => {
      expect(table.filter((r) => r.stalls === undefined).map((r) => table.indexOf(r))).toEqual([0]);
      expect(new Set(table.map((r) => r.reason)).size).toBe(table.length);
      for (const r of table) {
        expect(r.reason).toMatch(/^[A-Z][A-Za-z]+$/);
        expect(r.doc.length).toBeGreaterThan(10);
        expect(r.fix.length).toBeGreaterThan(5);
        if (r.retry !== undefined) expect(r.stalls).toBe(false);
      }
    },
  );

  it('stalls on what needs a person and retries the rest, an unknown reason included', () => {
    expect(stalls(PACKREGISTRY_REASONS, 'AuthenticationFailed')).toBe(true);
    expect(stalls(PACKREGISTRY_REASONS, 'RateLimited')).toBe(false);
    expect(stalls(CLUSTERPROFILE_REASONS, 'PackNotFound')).toBe(true);
    expect(stalls(CLUSTERPROFILE_REASONS, 'RegistryNotReady')).toBe(false);
    expect(stalls(CLUSTERPROFILE_REASONS, RECONCILIATION_FAILED)).toBe(false);
    expect(stalls(PACKREGISTRY_REASONS, 'NoSuchReason')).toBe(false);
  });

  it("gives the resolver the profile table's failures in the table's order of priority", () => {
    const failures = CLUSTERPROFILE_REASONS.filter((r) => r.stalls !== undefined && r.reason !== RECONCILIATION_FAILED);
    expect(RESOLVE_REASONS).toEqual(failures.map((r) => r.reason));
    expect(RESOLVE_REASONS.slice(0, 3)).toEqual([
      'DefaultRegistryMissing',
      'DefaultRegistryAmbiguous',
      'RegistryNotReady',
    ]);
  });

  it('live in src/api as plain TypeScript: no zod, nothing from controller/', () => {
    const api = `${ROOT}/src/api`;
    for (const file of readdirSync(api).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(`${api}/${file}`, 'utf8');
      expect(`${file}: ${/from '\.\.\/controller\//.test(text)}`).toBe(`${file}: false`);
      if (/reasons\.ts$/.test(file)) expect(`${file}: ${/from 'zod/.test(text)}`).toBe(`${file}: false`);
    }
  });
});
