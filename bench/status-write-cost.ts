// Benchmark (not a test): the apiserver's CPU per ClusterProfile status write, by what the CRD asks
// of admission and by the size of the status. Each CRD variant is the ClusterProfile CRD under an API
// group of its own in ONE control plane, and the variants' rounds are interleaved, so the machine's
// load drifts alike for all of them (CPU per write moves less with load than wall time does, but it
// moves: compare the medians of one run, never figures of two runs).
//   node build/bench/status-write-cost.js [profilesPerVariant=300] [rounds=6] [variants]
// variants, comma-separated, each CRD[:status]:
//   CRD    full: as generated; no-version-rule: without the version-expression CEL rule;
//          version-pattern: that rule as an OpenAPI pattern instead (its own message is lost);
//          version-old-self: that rule skipped when the value is unchanged (optionalOldSelf);
//          no-cel: without any CEL rule
//   status full (10 packs locked, 3.7 KB, as the resolution bench writes), no-url (the lock
//          without its URLs), half (5 packs), conditions (Ready only, 0.6 KB)
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import type { ResourceType } from '../src/api/resource-types.js';
import { VERSION_EXPRESSION_SOURCE } from '../src/api/version-expression.js';
import { KubeClient } from '../src/controller/kube-client.js';
import { repoRoot, startControlPlane } from '../src/local/control-plane.js';
import { applyCrdsFromDir } from '../src/local/crds.js';

const DEFAULT_VARIANTS =
  'full,no-version-rule,version-pattern,version-old-self,no-cel,full:no-url,full:half,full:conditions';
const [profiles = 300, rounds = 6] = process.argv.slice(2, 4).map(Number);
const variants = (process.argv[4] ?? DEFAULT_VARIANTS).split(',').map((v) => {
  const [crd = 'full', status = 'full'] = v.split(':');
  return { label: v, crd, status };
});
const IN_FLIGHT = 16;

/** CPU time (user + system, ms) of a process, from /proc (Linux; USER_HZ 100). */
function cpuMs(pid: number | undefined): number {
  if (!pid) throw new Error('the apiserver is not running');
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Rule {
  rule: string;
  optionalOldSelf?: boolean;
}
interface Schema {
  properties?: Record<string, Schema>;
  items?: Schema;
  pattern?: string;
  'x-kubernetes-validations'?: Rule[];
}
function eachSchema(s: Schema | undefined, f: (s: Schema) => void): void {
  if (!s) return;
  f(s);
  for (const p of Object.values(s.properties ?? {})) eachSchema(p, f);
  eachSchema(s.items, f);
}

const groupOf = (crd: string) => `${crd}.bench.packyard.io`;
const typeOf = (crd: string): ResourceType => ({
  group: groupOf(crd),
  version: 'v1alpha1',
  plural: 'clusterprofiles',
  kind: 'ClusterProfile',
  namespaced: true,
});

/** The ClusterProfile CRD once per variant, each under its own group, in a temp dir. */
function writeVariantCrds(): string {
  const dir = mkdtempSync(join(tmpdir(), 'crd-variants-'));
  for (const crd of new Set(variants.map((v) => v.crd))) {
    const doc = load(readFileSync(join(repoRoot(), 'crds', 'clusterprofiles.packyard.io.yaml'), 'utf8')) as {
      metadata: { name: string };
      spec: { group: string; versions: { schema: { openAPIV3Schema: Schema } }[] };
    };
    doc.metadata.name = `clusterprofiles.${groupOf(crd)}`;
    doc.spec.group = groupOf(crd);
    eachSchema(doc.spec.versions[0]!.schema.openAPIV3Schema, (s) => {
      const rules = s['x-kubernetes-validations'];
      if (!rules) return;
      const isVersionRule = (r: Rule) => r.rule.startsWith('self.matches(');
      let kept = rules;
      if (crd === 'no-cel') kept = [];
      if (crd === 'no-version-rule' || crd === 'version-pattern') kept = rules.filter((r) => !isVersionRule(r));
      if (crd === 'version-pattern' && rules.some(isVersionRule)) s.pattern = VERSION_EXPRESSION_SOURCE;
      if (crd === 'version-old-self')
        kept = rules.map((r) =>
          isVersionRule(r)
            ? { ...r, rule: `(oldSelf.hasValue() && oldSelf.value() == self) || ${r.rule}`, optionalOldSelf: true }
            : r,
        );
      if (kept.length) s['x-kubernetes-validations'] = kept;
      else delete s['x-kubernetes-validations'];
    });
    writeFileSync(join(dir, `${crd}.yaml`), dump(doc, { lineWidth: -1 }));
  }
  return dir;
}

const condition = (type: string, at: string) => ({
  type,
  status: 'True',
  reason: 'Resolved',
  message: 'resolved 10 packs',
  observedGeneration: 1,
  lastTransitionTime: at,
});
function statusOf(shape: string, i: number, at: string): Record<string, unknown> {
  if (shape === 'conditions')
    return { conditions: [condition('Ready', at)], lastResolvedTime: at, observedGeneration: 1 };
  const resolved = Array.from({ length: shape === 'half' ? 5 : 10 }, (_, k) => ({
    name: `pack-${i + k}`,
    layer: 'addon',
    registry: 'bench',
    chart: `pack-${i + k}`,
    version: '1.19.0',
    digest: `sha256:${'a'.repeat(64)}`,
    ...(shape !== 'no-url' && { url: `http://127.0.0.1:36873/charts/pack-${i + k}-1.19.0.tgz` }),
    valuesDigest: `sha256:${'b'.repeat(64)}`,
  }));
  return {
    conditions: [condition('Ready', at), condition('Resolved', at)],
    lastResolvedTime: at,
    observedGeneration: 1,
    resolved,
    revision: `sha256:${'c'.repeat(64)}`,
  };
}

async function main(): Promise<void> {
  const cp = await startControlPlane({ log: () => {} });
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const client = new KubeClient(kc);
  const each = async (f: (i: number) => Promise<unknown>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let i = next++; i < profiles; i = next++) await f(i);
      }),
    );
  };
  try {
    await applyCrdsFromDir(kc, writeVariantCrds());
    const uids = new Map<string, string[]>();
    for (const v of variants) {
      const list: string[] = [];
      uids.set(v.label, list);
      await each(async (i) => {
        const created = await client.create<KubernetesObject>(typeOf(v.crd), {
          apiVersion: `${groupOf(v.crd)}/v1alpha1`,
          kind: 'ClusterProfile',
          metadata: { name: `${v.status}-${i}`, namespace: 'default' },
          spec: {
            type: 'add-on',
            packs: Array.from({ length: 10 }, (_, k) => ({ name: `pack-${i + k}`, layer: 'addon', version: '^1' })),
          },
        } as never);
        list[i] = created.metadata!.uid!;
      });
    }
    // As the operator writes: a JSON patch behind a test of the uid, on /status.
    const write = (v: (typeof variants)[number], i: number, op: { path: string; value: unknown }) =>
      client.jsonPatch(
        typeOf(v.crd),
        `${v.status}-${i}`,
        'default',
        [
          { op: 'test', path: '/metadata/uid', value: uids.get(v.label)![i] },
          { op: 'add', ...op },
        ] as never,
        'status',
      );
    const t0 = Date.UTC(2030, 0, 1);
    const at = (n: number) => new Date(t0 + n * 1000).toISOString().replace(/\.\d+Z/, 'Z');
    for (const v of variants) await each((i) => write(v, i, { path: '/status', value: statusOf(v.status, i, at(0)) }));
    const perWrite = new Map<string, number[]>(variants.map((v) => [v.label, []]));
    let n = 0;
    for (let r = 0; r < rounds; r++) {
      for (const v of r % 2 ? [...variants].reverse() : variants) {
        const before = cpuMs(cp.pids.apiserver);
        // One key changes: what a write costs beyond what it carries.
        const value = at(++n);
        await each((i) => write(v, i, { path: '/status/lastResolvedTime', value }));
        perWrite.get(v.label)!.push((cpuMs(cp.pids.apiserver) - before) / profiles);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`apiserver CPU per ClusterProfile status write (${profiles} profiles a variant, ${rounds} rounds):`);
    for (const [label, xs] of perWrite)
      console.log(
        `  ${label.padEnd(24)} median ${median(xs).toFixed(2)} ms   rounds: ${xs.map((x) => x.toFixed(2)).join(' ')}`,
      );
  } finally {
    await cp.stop();
  }
}

await main();
