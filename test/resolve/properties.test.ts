import fc from 'fast-check';
import { compare, parse } from 'semver';
import type { PackVersion } from '../../src/api/pack.js';
import { resolveProfile } from '../../src/resolve/resolve-profile.js';
import {
  matches,
  newestMatch,
  parseVersionExpression,
  type VersionExpression,
} from '../../src/resolve/version-expression.js';
import { catalogue, input, packSpec, REGISTRIES } from './fixtures.js';

const small = fc.integer({ min: 0, max: 3 });
const preTag = fc.constantFrom('alpha', 'beta.0', 'rc.1', 'rc.2', '0');
const core = fc.tuple(small, small, small).map(([a, b, c]) => `${a}.${b}.${c}`);

const versionText = fc
  .record({
    core,
    pre: fc.option(preTag, { nil: undefined }),
    build: fc.option(fc.constantFrom('a', 'b', 'k3s1'), { nil: undefined }),
  })
  .map(({ core, pre, build }) => `${core}${pre ? `-${pre}` : ''}${build ? `+${build}` : ''}`);

// Optional keys are left out rather than set to undefined, as in objects read from the apiserver.
const packVersion: fc.Arbitrary<PackVersion> = fc.record(
  {
    version: versionText,
    created: fc.constantFrom('2024-01-01T00:00:00Z', '2024-06-01T00:00:00Z', '2025-01-01T00:00:00Z'),
    digest: fc.constantFrom('sha256:aa', 'sha256:bb'),
  },
  { requiredKeys: ['version'] },
);

// Also lists drawn from few releases, so equal precedence (ties broken by created) is common.
const denseVersion = fc.record(
  {
    version: fc.constantFrom('1.0.0', '1.0.0+a', '1.0.0+b', '1.1.0', '1.1.0-rc.1', '1.1.0+a'),
    created: fc.constantFrom('2024-01-01T00:00:00Z', '2024-06-01T00:00:00Z', '2025-01-01T00:00:00Z'),
    digest: fc.constantFrom('sha256:aa', 'sha256:bb'),
  },
  { requiredKeys: ['version'] },
);
const versionList = fc.oneof(fc.array(packVersion, { maxLength: 24 }), fc.array(denseVersion, { maxLength: 12 }));

/** Expressions of every form that name no prerelease. */
const stableExpression = fc.oneof(
  fc.constant('latest'),
  core,
  core.map((c) => `v${c}`),
  fc.tuple(small, small).map(([a, b]) => `^${a}.${b}`),
  core.map((c) => `~${c}`),
  fc.tuple(core, core).map(([a, b]) => `>=${a} <${b}`),
  fc.tuple(core, core).map(([a, b]) => `>=${a}, <=${b}`),
  fc.tuple(small, small).map(([a, b]) => `${a}.${b}.x`),
  small.map((a) => `${a}.x`),
  fc.tuple(small, small).map(([a, b]) => `${a}.${b}.*`),
  fc.tuple(core, core).map(([a, b]) => `${a} - ${b}`),
  fc.tuple(small, small).map(([a, b]) => `${a}.x || ^${b}.1`),
  fc.constant('*'),
);

/** Expressions that name a prerelease. */
const prereleaseExpression = fc.oneof(
  fc.tuple(core, preTag).map(([c, p]) => `${c}-${p}`),
  fc.tuple(core, preTag).map(([c, p]) => `>=${c}-${p}`),
  fc.tuple(core, preTag, core).map(([c, p, d]) => `>=${c}-${p} <${d}`),
  fc.tuple(core, preTag).map(([c, p]) => `^${c}-${p}`),
);

const anyExpression = fc.oneof(stableExpression, prereleaseExpression);

function expr(text: string): VersionExpression {
  const parsed = parseVersionExpression(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.expression;
}

/** A permutation of `xs`. */
const permutationOf = <T>(xs: T[]) => fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length });

describe('newestMatch properties', () => {
  it('always returns a version that satisfies the expression', () => {
    fc.assert(
      fc.property(anyExpression, versionList, (text, versions) => {
        const e = expr(text);
        const chosen = newestMatch(e, versions);
        return chosen === undefined || matches(e, chosen.version);
      }),
    );
  });

  it('returns the maximum match: nothing matching is newer, and undefined only when nothing matches', () => {
    fc.assert(
      fc.property(anyExpression, versionList, (text, versions) => {
        const e = expr(text);
        const chosen = newestMatch(e, versions);
        const matching = versions.filter((v) => matches(e, v.version));
        if (!chosen) return matching.length === 0;
        const newestCreated = (v: PackVersion) => (v.created ? Date.parse(v.created) : -Infinity);
        return matching.every(
          (v) =>
            compare(v.version, chosen.version) < 0 ||
            (compare(v.version, chosen.version) === 0 && newestCreated(v) <= newestCreated(chosen)),
        );
      }),
    );
  });

  it('is deterministic for any order of the input versions', () => {
    fc.assert(
      fc.property(
        anyExpression,
        versionList.chain((vs) => fc.tuple(fc.constant(vs), permutationOf(vs))),
        (text, [versions, shuffled]) => {
          const e = expr(text);
          expect(newestMatch(e, shuffled)).toEqual(newestMatch(e, versions));
        },
      ),
    );
  });

  it('never chooses a prerelease unless the expression names one', () => {
    fc.assert(
      fc.property(stableExpression, versionList, (text, versions) => {
        const chosen = newestMatch(expr(text), versions);
        return chosen === undefined || parse(chosen.version)!.prerelease.length === 0;
      }),
    );
  });

  it('chooses a prerelease only of a release the expression names a prerelease of', () => {
    // Name prereleases of releases the list holds, so that prereleases are often eligible.
    const namingListed = versionList.chain((versions) =>
      fc.tuple(
        versions.length === 0
          ? prereleaseExpression
          : fc.tuple(fc.constantFrom(...versions), preTag, core).chain(([v, p, upper]) => {
              const c = v.version.replace(/[-+].*$/, '');
              return fc.constantFrom(`${c}-${p}`, `>=${c}-${p}`, `>=${c}-${p} <${upper}`, `^${c}-${p}`, `~${c}-0`);
            }),
        fc.constant(versions),
      ),
    );
    let prereleasesChosen = 0;
    fc.assert(
      fc.property(namingListed, ([text, versions]) => {
        const chosen = newestMatch(expr(text), versions);
        const v = chosen && parse(chosen.version)!;
        if (!v || v.prerelease.length === 0) return true;
        prereleasesChosen++;
        return text.includes(`${v.major}.${v.minor}.${v.patch}-`);
      }),
      { numRuns: 300 },
    );
    expect(prereleasesChosen).toBeGreaterThan(30); // the property was exercised, not vacuous
  });
});

describe('resolveProfile properties', () => {
  it('gives the same result for any order of versions and registries', () => {
    const cilium = versionList.filter((vs) => vs.length > 0);
    fc.assert(
      fc.property(
        anyExpression,
        cilium.chain((vs) => fc.tuple(fc.constant(vs), permutationOf(vs))),
        permutationOf(REGISTRIES),
        (text, [versions, shuffled], registries) => {
          const run = (vs: PackVersion[], regs = REGISTRIES) =>
            resolveProfile(
              input({
                profile: {
                  spec: {
                    type: 'add-on',
                    version: '1.0.0',
                    updatePolicy: 'Auto',
                    packs: [{ name: 'cilium', layer: 'addon', version: text }],
                  },
                  namespace: 'demo',
                },
                packs: catalogue().set('demo-helm/cilium', packSpec('demo-helm', 'cilium', vs)),
                registries: regs,
              }),
            );
          const a = run(versions);
          expect(run(shuffled, registries)).toEqual(a);
          if (a.ok) expect(matches(expr(text), a.resolved[0]!.version!)).toBe(true);
        },
      ),
    );
  });
});
