// Helm provenance against the real helm CLI: charts signed by `helm package --sign` with a GnuPG
// keyring made here, served by a real HTTP server, checked by HelmRepositorySource and by `helm verify`.
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PackRegistrySpec } from '../../../src/api/packregistry.js';
import type { CatalogPack } from '../../../src/sources/catalog.js';
import { HelmRepositorySource } from '../../../src/sources/helm-repository.js';
import { closeHttpAgents, httpGet } from '../../../src/sources/http-client.js';
import type { SyncRequest } from '../../../src/sources/pack-source.js';
import { SourceError } from '../../../src/sources/source-error.js';
import { helm, packageChart, reindex } from '../../harness/helm-charts.js';
import { serveDirectory, startServer, type TestServer } from '../../harness/http-server.js';
import { gpgKey, type GpgKey } from '../../harness/signing.js';

let server: TestServer;
let dir: string;
let signer: GpgKey;
let stranger: GpgKey;
let expired: GpgKey;

beforeAll(async () => {
  [signer, stranger, expired] = await Promise.all([
    gpgKey(),
    gpgKey('Someone Else <else@packyard.test>'),
    gpgKey('Expired Signer <expired@packyard.test>', { expired: true }),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'packyard-prov-repo-'));
  const sign = (k: GpgKey) => ({ key: k.name, keyring: k.secring });
  packageChart({ name: 'demo', version: '1.0.0' }, dir, sign(signer));
  packageChart({ name: 'demo', version: '0.9.0' }, dir);
  packageChart({ name: 'other', version: '1.0.0' }, dir, sign(stranger));
  packageChart({ name: 'trunc', version: '1.0.0' }, dir, sign(signer));
  packageChart({ name: 'late', version: '1.0.0' }, dir, sign(expired));
  const prov = readFileSync(join(dir, 'trunc-1.0.0.tgz.prov'), 'utf8');
  writeFileSync(join(dir, 'trunc-1.0.0.tgz.prov'), prov.slice(0, prov.indexOf('-----BEGIN PGP SIGNATURE-----') + 60));
  // Tampered: signed, then the archive replaced by another build of the same name and version.
  packageChart({ name: 'tampered', version: '1.0.0' }, dir, sign(signer));
  const elsewhere = mkdtempSync(join(tmpdir(), 'packyard-prov-other-'));
  renameSync(
    packageChart({ name: 'tampered', version: '1.0.0', description: 'not what was signed' }, elsewhere),
    join(dir, 'tampered-1.0.0.tgz'),
  );
  reindex(dir);
  server = await startServer({ routes: { '/charts/': serveDirectory(dir, '/charts/') } });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await closeHttpAgents();
});

function request(keyring: Buffer): SyncRequest {
  const spec = {
    type: 'helm',
    url: `${server.url}/charts`,
    verify: { provider: 'helm', secretRef: { name: 'keys' } },
  } as PackRegistrySpec;
  return {
    registryName: 'signed',
    spec,
    credentials: { verify: { provider: 'helm', entries: { 'pubring.gpg': keyring }, source: 'Secret test/keys' } },
    previous: {},
    timeoutMs: 60_000,
    signal: new AbortController().signal,
  };
}

async function verifications(source: HelmRepositorySource, keyring: Buffer) {
  const result = await source.sync(request(keyring));
  if (!result.changed) throw new Error('expected a catalogue');
  return Object.fromEntries(
    result.packs.flatMap((p: CatalogPack) => p.versions.map((v) => [`${p.name}@${v.version}`, v.verification])),
  );
}

function helmVerify(chart: string, keyring: Buffer): boolean {
  const ring = join(mkdtempSync(join(tmpdir(), 'packyard-ring-')), 'pubring.gpg');
  writeFileSync(ring, keyring);
  try {
    helm(['verify', '--keyring', ring, join(dir, chart)]);
    return true;
  } catch {
    return false;
  }
}

describe('Helm provenance (helm package --sign)', () => {
  it('verifies what helm verify accepts, and fails what it refuses, each with its reason', async () => {
    const v = await verifications(new HelmRepositorySource(), signer.pubring);
    expect(v['demo@1.0.0']).toMatchObject({ state: 'Verified', method: 'helm-prov' });
    expect(v['demo@1.0.0']!.signer).toContain('Packyard Test Signer <signer@packyard.test>');
    expect(v['demo@0.9.0']).toEqual({ state: 'Unsigned', reason: 'no provenance file demo-0.9.0.tgz.prov' });
    expect(v['other@1.0.0']).toMatchObject({ state: 'Failed', method: 'helm-prov' });
    expect(v['other@1.0.0']!.reason).toMatch(
      /^other-1\.0\.0\.tgz\.prov: signature by key [0-9a-f]{16} does not verify/,
    );
    expect(v['trunc@1.0.0']).toMatchObject({ state: 'Failed' });
    expect(v['tampered@1.0.0']!.state).toBe('Failed');
    expect(v['tampered@1.0.0']!.reason).toMatch(
      /^tampered-1\.0\.0\.tgz has sha256:[0-9a-f]{64}, but its provenance \(signed by Packyard Test Signer .*\) says sha256:[0-9a-f]{64}$/,
    );
    // Differential: the real helm verify agrees on every chart.
    const states = {
      'demo-1.0.0.tgz': 'demo@1.0.0',
      'other-1.0.0.tgz': 'other@1.0.0',
      'trunc-1.0.0.tgz': 'trunc@1.0.0',
      'tampered-1.0.0.tgz': 'tampered@1.0.0',
    };
    for (const [chart, version] of Object.entries(states))
      expect([chart, helmVerify(chart, signer.pubring)]).toEqual([chart, v[version]!.state === 'Verified']);
  });

  it('refuses a signature made after the key expired', async () => {
    const v = await verifications(new HelmRepositorySource(), Buffer.concat([signer.pubring, expired.pubring]));
    expect(v['late@1.0.0']!.state).toBe('Failed');
    expect(v['late@1.0.0']!.reason).toMatch(/expired/i);
    expect(v['demo@1.0.0']!.state).toBe('Verified');
  });

  it('verifies an unchanged digest once, and again when the keys change', async () => {
    const source = new HelmRepositorySource((url, opts) => httpGet(url, opts));
    await verifications(source, signer.pubring);
    const provs = () => server.requests.filter((r) => r.url.endsWith('.prov')).length;
    const before = provs();
    await verifications(source, signer.pubring);
    // Only the unsigned chart is asked again (a signature may appear for it); verified and failed ones are cached.
    expect(provs() - before).toBe(1);
    const both = Buffer.concat([signer.pubring, stranger.pubring]);
    const v = await verifications(source, both);
    expect(provs() - before).toBe(1 + 6);
    expect(v['other@1.0.0']).toMatchObject({ state: 'Verified' });
    expect(v['other@1.0.0']!.signer).toContain('Someone Else');
  });

  it('fails the sync, keeping nothing half-verified, when the keyring is not a keyring', async () => {
    await expect(new HelmRepositorySource().sync(request(Buffer.from('not a key')))).rejects.toThrow(
      expect.objectContaining({ reason: 'InvalidVerifyKeys' }) as unknown as SourceError,
    );
  });
});
