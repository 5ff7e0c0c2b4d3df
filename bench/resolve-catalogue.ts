// Benchmark (not a test): the resolver's own work for a fleet, without the apiserver. N profiles × 10
// packs resolved against 50 Packs of V versions each (real charts keep hundreds: ingress-nginx, the
// Bitnami charts), the Pack objects shared as the informer cache holds them; the peer is the same
// resolution with each profile given its own copies of the Packs' version lists, so that no answer
// about a list is found again (what every resolution cost before newestMatch remembered them).
//   node build/bench/resolve-catalogue.js [profiles=1000] [versions=300] [runs=3]
import type { ProfilePack } from '../src/api/clusterprofile.js';
import type { PackSpec } from '../src/api/pack.js';
import { resolveProfile } from '../src/resolve/resolve-profile.js';
import { median, printRows, ratio } from './table.js';

const [profiles = 1000, versionsPerPack = 300, runs = 3] = process.argv.slice(2).map(Number);
const REGISTRY = 'bench';
const EXPRESSIONS = ['^1', '2.x', 'latest', '~1.0.0', '>=2 <3'];

/** Versions 3.x down to 1.x, newest first: `versionsPerPack` of them (5 patches per minor). */
function versions(): PackSpec['versions'] {
  const out: PackSpec['versions'] = [];
  const minors = Math.ceil(versionsPerPack / 15);
  for (let major = 3; major >= 1; major--)
    for (let minor = minors - 1; minor >= 0; minor--)
      for (let patch = 4; patch >= 0; patch--) {
        const version = `${major}.${minor}.${patch}`;
        out.push({
          version,
          digest: `sha256:${'0'.repeat(58)}${major}${minor}${patch}`.slice(0, 71),
          urls: [`https://charts.example.com/${version}.tgz`],
        });
      }
  return out.slice(0, versionsPerPack);
}

const catalogue = new Map<string, PackSpec>();
for (let p = 0; p < 50; p++)
  catalogue.set(`${REGISTRY}/pack-${p}`, {
    registry: REGISTRY,
    name: `pack-${p}`,
    layer: 'addon',
    versions: versions(),
  });

const packsOf = (i: number): ProfilePack[] =>
  Array.from({ length: 10 }, (_, k) => ({
    name: `pack-${(i + k) % 50}`,
    layer: 'addon',
    version: EXPRESSIONS[(i + k) % EXPRESSIONS.length]!,
  }));

/** Milliseconds to resolve every profile; `copies` gives each profile its own copies of the version lists. */
function resolveAll(copies: boolean): number {
  const start = performance.now();
  for (let i = 0; i < profiles; i++) {
    const packs = copies
      ? new Map([...catalogue].map(([k, spec]) => [k, { ...spec, versions: [...spec.versions] }]))
      : catalogue;
    const result = resolveProfile({
      profile: {
        spec: { type: 'add-on', version: '1.0.0', updatePolicy: 'Auto', packs: packsOf(i) },
        namespace: 'default',
      },
      packs,
      registries: [{ name: REGISTRY, ready: true, default: true }],
      valuesSources: () => undefined,
      updateRequested: false,
      now: new Date(),
    });
    if (!result.ok) throw new Error(`profile ${i}: ${result.message}`);
  }
  return performance.now() - start;
}

resolveAll(false); // warm both paths' code before measuring
resolveAll(true);
const shared: number[] = [];
const copied: number[] = [];
for (let r = 0; r < runs; r++) {
  copied.push(resolveAll(true));
  shared.push(resolveAll(false));
}
const [ms, peerMs] = [median(shared), median(copied)];
printRows(
  `Resolution alone: ${profiles} profiles × 10 packs, 50 Packs of ${versionsPerPack} versions (median of ${runs})`,
  [
    {
      what: `resolve ${profiles} profiles (peer: each profile given copies of the version lists)`,
      measured: `${Math.round(ms)} ms`,
      peer: `${Math.round(peerMs)} ms`,
      ratio: ratio(ms, peerMs),
      goal: '—',
      met: true,
    },
  ],
);
