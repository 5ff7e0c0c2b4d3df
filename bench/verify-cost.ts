// Benchmark (not a test): what signature verification costs per version, in time and requests, on a
// cold sync (nothing cached) and a warm one (results cached by digest and keys), against the same sync
// without verify in the same run; and against the reference tools checking one version (`cosign
// verify --key` or `--trusted-root` for keyless, `helm verify`). Real registry, real cosign, helm, gpg and
// openssl (a private CA stands in for Fulcio for the keyless row).
//   node build/bench/verify-cost.js [versions=20] [runs=3]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoKeys, signLikeCosign } from '../src/local/demo-signer.js';
import { helm, packageChart, reindex } from '../src/local/helm-charts.js';
import { HelmRepositorySource } from '../src/sources/helm-repository.js';
import { closeHttpAgents, httpGet } from '../src/sources/http-client.js';
import { OciClient } from '../src/sources/oci/oci-client.js';
import { OciRegistrySource } from '../src/sources/oci/oci-registry-source.js';
import { TokenService } from '../src/sources/oci/token-service.js';
import type { SyncRequest } from '../src/sources/pack-source.js';
import type { PackRegistrySpec } from '../src/api/packregistry.js';
import { serveDirectory, startServer } from '../test/harness/http-server.js';
import { startOciRegistry } from '../test/harness/oci-registry.js';
import {
  cosign,
  cosignKeyPair,
  cosignSign,
  cosignSignKeyless,
  gpgKey,
  keylessSigner,
  testCa,
  trustedRoot,
} from '../test/harness/signing.js';
import { median, printRows, ratio, type BenchRow } from './table.js';

const [versions = 20, runs = 3] = process.argv.slice(2).map(Number);

interface Measure {
  ms: number;
  requests: number;
}

async function measure(sync: () => Promise<unknown>, counter: { n: number }): Promise<Measure> {
  const before = counter.n;
  const start = performance.now();
  await sync();
  return { ms: performance.now() - start, requests: counter.n - before };
}

function request(
  spec: Partial<PackRegistrySpec> & { url: string; type: 'helm' | 'oci' },
  verify?: SyncRequest['credentials']['verify'],
): SyncRequest {
  return {
    registryName: 'bench',
    spec: {
      ...spec,
      ...(verify && {
        verify: verify.keyless
          ? {
              provider: verify.provider,
              matchOIDCIdentity: verify.keyless.identities,
              trustedRootRef: { kind: 'ConfigMap', name: 'root' },
            }
          : { provider: verify.provider, secretRef: { name: 'k' } },
      }),
    } as PackRegistrySpec,
    credentials: verify ? { verify } : {},
    previous: {},
    timeoutMs: 600_000,
    signal: new AbortController().signal,
  };
}

/** Per version: cold and warm verify cost over the plain sync, medians of `runs`. */
async function costRows(
  label: string,
  makeSource: (http: typeof httpGet) => { sync(r: SyncRequest): Promise<unknown> },
  plain: SyncRequest,
  verifying: SyncRequest,
  referenceMs: number,
  referenceName: string,
): Promise<BenchRow[]> {
  const counter = { n: 0 };
  const http: typeof httpGet = (url, opts) => {
    counter.n++;
    return httpGet(url, opts);
  };
  const cold: Measure[] = [];
  const warm: Measure[] = [];
  const coldBase: Measure[] = [];
  const warmBase: Measure[] = [];
  for (let i = 0; i <= runs; i++) {
    // Each pair alike but for verify: a fresh source (nothing cached), then the same source again.
    const plainSource = makeSource(http);
    const source = makeSource(http);
    const b = await measure(() => plainSource.sync(plain), counter);
    const bw = await measure(() => plainSource.sync(plain), counter);
    const c = await measure(() => source.sync(verifying), counter);
    const w = await measure(() => source.sync(verifying), counter);
    if (i === 0) continue; // warm-up
    coldBase.push(b);
    warmBase.push(bw);
    cold.push(c);
    warm.push(w);
  }
  const per = (xs: Measure[], base: Measure[], f: (m: Measure) => number) =>
    (median(xs.map(f)) - median(base.map(f))) / versions;
  const coldMs = per(cold, coldBase, (m) => m.ms);
  const warmMs = per(warm, warmBase, (m) => m.ms);
  return [
    {
      what: `${label}: cold verify, per version (${per(cold, coldBase, (m) => m.requests).toFixed(1)} requests)`,
      measured: `${coldMs.toFixed(1)} ms`,
      peer: `${referenceMs.toFixed(0)} ms (${referenceName})`,
      ratio: ratio(coldMs, referenceMs),
      goal: '≤ 0.5×',
      met: coldMs <= 0.5 * referenceMs,
    },
    {
      what: `${label}: warm verify (cached), per version (${per(warm, warmBase, (m) => m.requests).toFixed(1)} requests)`,
      measured: `${warmMs.toFixed(2)} ms`,
      peer: `${coldMs.toFixed(1)} ms (cold)`,
      ratio: ratio(Math.max(warmMs, 0), coldMs),
      goal: '≤ 0.1×',
      met: warmMs <= 0.1 * coldMs,
    },
  ];
}

async function timeOf(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function main(): Promise<void> {
  const rows: BenchRow[] = [];
  const registry = await startOciRegistry({ auth: 'none' });
  try {
    // OCI: half the charts signed in the legacy tag scheme, half with a bundle referrer.
    const key = await cosignKeyPair();
    const keys = demoKeys(mkdtempSync(join(tmpdir(), 'packyard-bench-keys-')));
    const client = new OciClient({ origin: registry.url, timeoutMs: 60_000, tokens: new TokenService() });
    const digests = await registry.seedCharts(
      'charts/bench',
      Array.from({ length: versions }, (_, i) => ({ name: 'bench', version: `1.0.${i}` })),
    );
    for (const [i, digest] of digests.entries()) {
      if (i % 2 === 0)
        await signLikeCosign(client, 'charts/bench', `${registry.host}/charts/bench`, digest, keys.privateKey);
      else await cosignSign(`${registry.host}/charts/bench@${digest}`, key, 'bundle');
    }
    const pubs = { 'demo.pub': Buffer.from(keys.publicKeyPem), 'cosign.pub': key.publicKey };
    const spec = { type: 'oci' as const, url: `oci://${registry.host}/charts` };
    const pubPath = join(mkdtempSync(join(tmpdir(), 'packyard-bench-pub-')), 'demo.pub');
    writeFileSync(pubPath, keys.publicKeyPem);
    const reference = await timeOf(() =>
      cosign([
        'verify',
        '--key',
        pubPath,
        '--insecure-ignore-tlog=true',
        '--allow-http-registry',
        '--allow-insecure-registry',
        `${registry.host}/charts/bench@${digests[0]}`,
      ]),
    );
    rows.push(
      ...(await costRows(
        `cosign, ${versions} OCI charts (half .sig tag, half bundle)`,
        (http) => new OciRegistrySource({ http }),
        request(spec),
        request(spec, { provider: 'cosign', entries: pubs, source: 'bench' }),
        reference,
        'cosign verify, one version',
      )),
    );

    // Keyless: a certificate from a private CA (Fulcio's stand-in), half .sig tag, half bundle.
    const ca = await testCa('Bench Fulcio');
    const identity = { subject: 'bench@packyard.test', issuer: 'https://issuer.packyard.test' };
    const signer0 = await keylessSigner(ca, identity);
    const keylessDigests = await registry.seedCharts(
      'keyless/bench',
      Array.from({ length: versions }, (_, i) => ({ name: 'bench', version: `1.0.${i}` })),
    );
    for (const [i, digest] of keylessDigests.entries())
      await cosignSignKeyless(`${registry.host}/keyless/bench@${digest}`, signer0, i % 2 === 0 ? 'tag' : 'bundle');
    const root = trustedRoot([ca]);
    const rootPath = join(mkdtempSync(join(tmpdir(), 'packyard-bench-root-')), 'trusted_root.json');
    writeFileSync(rootPath, root);
    const identities = [{ issuer: '^https://issuer\\.packyard\\.test$', subject: '^bench@packyard\\.test$' }];
    const keylessRef = await timeOf(() =>
      cosign([
        'verify',
        '--trusted-root',
        rootPath,
        '--new-bundle-format=true',
        '--certificate-identity-regexp',
        identities[0]!.subject,
        '--certificate-oidc-issuer-regexp',
        identities[0]!.issuer,
        '--insecure-ignore-tlog=true',
        '--insecure-ignore-sct=true',
        '--allow-http-registry',
        '--allow-insecure-registry',
        `${registry.host}/keyless/bench@${keylessDigests[1]}`,
      ]),
    );
    const kspec = { type: 'oci' as const, url: `oci://${registry.host}/keyless` };
    rows.push(
      ...(await costRows(
        `cosign keyless, ${versions} OCI charts (half .sig tag, half bundle)`,
        (http) => new OciRegistrySource({ http }),
        request(kspec),
        request(kspec, {
          provider: 'cosign',
          source: 'bench',
          keyless: { identities, trustedRoot: Buffer.from(root), source: 'bench root' },
        }),
        keylessRef,
        'cosign verify --trusted-root, one version',
      )),
    );

    // Helm: every chart signed with helm package --sign.
    const signer = await gpgKey('Bench Signer <bench@packyard.test>');
    const dir = mkdtempSync(join(tmpdir(), 'packyard-bench-prov-'));
    for (let i = 0; i < versions; i++)
      packageChart({ name: 'bench', version: `1.0.${i}` }, dir, { key: signer.name, keyring: signer.secring });
    reindex(dir);
    const server = await startServer({ routes: { '/charts/': serveDirectory(dir, '/charts/') } });
    try {
      const ring = join(dir, 'pubring.gpg.keep');
      writeFileSync(ring, signer.pubring);
      const helmRef = await timeOf(async () => helm(['verify', '--keyring', ring, join(dir, 'bench-1.0.0.tgz')]));
      const hspec = { type: 'helm' as const, url: `${server.url}/charts` };
      rows.push(
        ...(await costRows(
          `helm provenance, ${versions} charts`,
          (http) => new HelmRepositorySource(http),
          request(hspec),
          request(hspec, { provider: 'helm', entries: { 'pubring.gpg': signer.pubring }, source: 'bench' }),
          helmRef,
          'helm verify, one chart',
        )),
      );
    } finally {
      await server.close();
    }
  } finally {
    await registry.close();
    await closeHttpAgents();
  }
  printRows(`Signature verification cost per version (${versions} versions, median of ${runs} runs)`, rows);
}

await main();
