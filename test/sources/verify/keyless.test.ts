// Keyless cosign signatures against the real registry. There is no Fulcio or Rekor here (no network),
// so a private CA made by the real openssl stands in for Fulcio: its leaf certificates carry the
// identity as a subject alternative name and the OIDC issuer in Fulcio's extensions, and the real
// `cosign sign --certificate` signs with them in both storage schemes (the legacy `.sig` tag with the
// certificate annotation, and a sigstore bundle referrer). A TrustedRoot listing the CA is what the
// registry trusts; `cosign verify --trusted-root` is the reference the results are compared with.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PackRegistrySpec } from '../../../src/api/packregistry.js';
import type { OidcIdentity, VersionVerification } from '../../../src/api/verification.js';
import type { CatalogPack } from '../../../src/sources/catalog.js';
import { closeHttpAgents } from '../../../src/sources/http-client.js';
import { OCI_INDEX, OCI_MANIFEST } from '../../../src/sources/oci/media-types.js';
import { OciClient } from '../../../src/sources/oci/oci-client.js';
import { OciRegistrySource } from '../../../src/sources/oci/oci-registry-source.js';
import { TokenService } from '../../../src/sources/oci/token-service.js';
import { SourceError } from '../../../src/sources/source-error.js';
import { startOciRegistry, type OciRegistry } from '../../harness/oci-registry.js';
import {
  cosign,
  cosignSignKeyless,
  keylessSigner,
  testCa,
  trustedRoot,
  type KeylessSigner,
  type TestCa,
} from '../../harness/signing.js';
import { objects, runCli, tempDir, writeYaml } from '../../cli/cli-harness.js';
import { countingHttp, syncRequest } from '../oci/oci-test-support.js';

const ISSUER = 'https://issuer.packyard.test';
const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const ALICE: OidcIdentity = { issuer: '^https://issuer\\.packyard\\.test$', subject: '^alice@packyard\\.test$' };

let registry: OciRegistry;
let fulcio: TestCa;
let otherCa: TestCa;
let alice: KeylessSigner;
let workflow: KeylessSigner;
let stranger: KeylessSigner;
let noIssuer: KeylessSigner;
let manyNames: KeylessSigner;
const digests: Record<string, string> = {};

const client = () => new OciClient({ origin: registry.url, timeoutMs: 60_000, tokens: new TokenService() });
const chartRef = (version: string) => `${registry.host}/charts/podinfo@${digests[version]}`;

beforeAll(async () => {
  registry = await startOciRegistry({ auth: 'none' });
  [fulcio, otherCa] = await Promise.all([testCa('Packyard Test Fulcio'), testCa('Another CA')]);
  [alice, workflow, stranger, noIssuer, manyNames] = await Promise.all([
    keylessSigner(fulcio, { subject: 'alice@packyard.test', issuer: ISSUER }),
    keylessSigner(fulcio, {
      subject: 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.4.0',
      issuer: 'https://token.actions.githubusercontent.com',
    }),
    keylessSigner(otherCa, { subject: 'alice@packyard.test', issuer: ISSUER }),
    keylessSigner(fulcio, { subject: 'alice@packyard.test', issuer: ISSUER }, { noIssuer: true }),
    keylessSigner(
      fulcio,
      { subject: 'alice@packyard.test', issuer: ISSUER },
      { otherNames: ['build.packyard.test', 'https://ci.packyard.test/jobs/7, "quoted"'] },
    ),
  ]);
  for (const version of ['0.9.0', '1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0', '1.6.0', '2.0.0']) {
    digests[version] = await registry.pushChart({ name: 'podinfo', version }, 'charts');
  }
  await cosignSignKeyless(chartRef('1.0.0'), alice, 'tag');
  await cosignSignKeyless(chartRef('1.1.0'), alice, 'bundle');
  await cosignSignKeyless(chartRef('1.2.0'), stranger, 'bundle');
  await cosignSignKeyless(chartRef('1.3.0'), stranger, 'tag');
  await cosignSignKeyless(chartRef('1.4.0'), workflow, 'bundle');
  await cosignSignKeyless(chartRef('1.5.0'), noIssuer, 'bundle');
  await cosignSignKeyless(chartRef('1.6.0'), manyNames, 'bundle');
  await putGarbageCertificateBundle(digests['2.0.0']!);
}, 600_000);

afterAll(async () => {
  await registry?.close();
  await closeHttpAgents();
});

function request(root: string, identities: OidcIdentity[], extra: Partial<PackRegistrySpec> = {}) {
  return syncRequest(
    {
      url: `oci://${registry.host}/charts`,
      verify: {
        provider: 'cosign',
        matchOIDCIdentity: identities,
        trustedRootRef: { kind: 'ConfigMap', name: 'sigstore-root', key: 'trusted_root.json' },
      },
      ...extra,
    },
    {
      verify: {
        provider: 'cosign',
        source: 'spec.verify',
        keyless: {
          identities,
          trustedRoot: Buffer.from(root),
          source: 'ConfigMap test/sigstore-root key trusted_root.json',
        },
      },
    },
  );
}

async function verifications(
  source: OciRegistrySource,
  root: string,
  identities: OidcIdentity[],
): Promise<Record<string, VersionVerification | undefined>> {
  const result = await source.sync(request(root, identities));
  if (!result.changed) throw new Error('expected a catalogue');
  return Object.fromEntries(
    result.packs.flatMap((p: CatalogPack) => p.versions.map((v) => [v.version, v.verification])),
  );
}

/** A bundle referrer whose certificate is not DER at all, attached through the referrers tag fallback. */
async function putGarbageCertificateBundle(digest: string) {
  const bundle = Buffer.from(
    JSON.stringify({
      mediaType: BUNDLE_TYPE,
      verificationMaterial: { certificate: { rawBytes: Buffer.alloc(300, 0xa5).toString('base64') }, tlogEntries: [] },
      messageSignature: {
        messageDigest: { algorithm: 'SHA2_256', digest: Buffer.from(digest.slice(7), 'hex').toString('base64') },
        signature: 'AA==',
      },
    }),
  );
  const config = Buffer.from('{}');
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: BUNDLE_TYPE,
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        size: config.length,
        digest: await client().pushBlob('charts/podinfo', config),
      },
      layers: [
        { mediaType: BUNDLE_TYPE, size: bundle.length, digest: await client().pushBlob('charts/podinfo', bundle) },
      ],
    }),
  );
  const manifestDigest = await client().putManifest('charts/podinfo', 'garbage-certificate', manifest, OCI_MANIFEST);
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{ mediaType: OCI_MANIFEST, artifactType: BUNDLE_TYPE, digest: manifestDigest, size: manifest.length }],
  };
  await client().putManifest('charts/podinfo', digest.replace(':', '-'), Buffer.from(JSON.stringify(index)), OCI_INDEX);
}

describe('keyless cosign signatures (a certificate from a private CA, no transparency log)', () => {
  it('verifies both storage schemes with a matching identity, recording the identity as the signer', async () => {
    const v = await verifications(new OciRegistrySource(), trustedRoot([fulcio]), [ALICE]);
    expect(v['1.0.0']).toEqual({
      state: 'Verified',
      signer: `alice@packyard.test (${ISSUER})`,
      method: 'cosign-tag-keyless',
    });
    expect(v['1.1.0']).toEqual({
      state: 'Verified',
      signer: `alice@packyard.test (${ISSUER})`,
      method: 'cosign-bundle-keyless',
    });
    expect(v['0.9.0']).toMatchObject({ state: 'Unsigned' });
  });

  it('fails an identity that matches no entry, naming the identity seen and the patterns expected', async () => {
    const v = await verifications(new OciRegistrySource(), trustedRoot([fulcio]), [ALICE]);
    expect(v['1.4.0']!.state).toBe('Failed');
    expect(v['1.4.0']!.reason).toContain(
      'signed by https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.4.0 ' +
        '(issuer https://token.actions.githubusercontent.com), which matches none of matchOIDCIdentity ' +
        `{issuer: ${ALICE.issuer}, subject: ${ALICE.subject}}`,
    );
  });

  it('verifies with any one of several identities; issuer and subject must both match the same entry', async () => {
    const workflowId: OidcIdentity = {
      issuer: '^https://token\\.actions\\.githubusercontent\\.com$',
      subject: '^https://github\\.com/acme/app/\\.github/workflows/release\\.yml@refs/tags/v',
    };
    const v = await verifications(new OciRegistrySource(), trustedRoot([fulcio]), [ALICE, workflowId]);
    expect(v['1.4.0']).toMatchObject({
      state: 'Verified',
      signer:
        'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.4.0 (https://token.actions.githubusercontent.com)',
    });
    // Alice's subject with the workflow's issuer: no single entry matches both.
    const crossed = await verifications(new OciRegistrySource(), trustedRoot([fulcio]), [
      { issuer: workflowId.issuer, subject: ALICE.subject },
    ]);
    expect(crossed['1.1.0']).toMatchObject({ state: 'Failed', reason: expect.stringContaining('matches none of') });
  });

  it('takes the identity sigstore takes from a certificate with several names: the URI, else the email', async () => {
    const uri = 'https://ci.packyard.test/jobs/7, quoted';
    const v = await verifications(new OciRegistrySource(), trustedRoot([fulcio]), [
      { issuer: ALICE.issuer, subject: '^https://ci\\.packyard\\.test/jobs/7' },
    ]);
    expect(v['1.6.0']).toMatchObject({ state: 'Verified', signer: `${uri} (${ISSUER})` });
    // Its email and DNS names are not the identity: a pattern for them does not verify it.
    for (const subject of [ALICE.subject, '^build\\.packyard\\.test$']) {
      const other = await verifications(new OciRegistrySource(), trustedRoot([fulcio]), [
        { issuer: ALICE.issuer, subject },
      ]);
      expect(other['1.6.0']!.reason).toContain(`signed by ${uri} (issuer ${ISSUER}), which matches none of`);
    }
  });

  it('fails a certificate from a CA the trusted root does not list, in both schemes', async () => {
    const v = await verifications(new OciRegistrySource(), trustedRoot([fulcio]), [ALICE]);
    for (const version of ['1.2.0', '1.3.0']) {
      expect(v[version]!.state).toBe('Failed');
      expect(v[version]!.reason).toContain(
        'its signature does not verify with the trusted root: Failed to verify certificate chain',
      );
    }
    // The same signatures verify once the root lists that CA too.
    const both = await verifications(new OciRegistrySource(), trustedRoot([fulcio, otherCa]), [ALICE]);
    expect([both['1.2.0']!.state, both['1.3.0']!.state]).toEqual(['Verified', 'Verified']);
  });

  it('fails a bundle whose certificate is garbage, and one without an OIDC issuer, with a clear reason', async () => {
    const v = await verifications(new OciRegistrySource(), trustedRoot([fulcio]), [ALICE]);
    expect(v['2.0.0']).toMatchObject({ state: 'Failed', method: 'cosign-bundle' });
    expect(v['2.0.0']!.reason).toMatch(/^bundle sha256:[0-9a-f]{64}: malformed bundle \(/);
    expect(v['1.5.0']).toMatchObject({
      state: 'Failed',
      reason: expect.stringContaining('has no OIDC issuer extension (1.3.6.1.4.1.57264.1.8 or .1.1)'),
    });
  });

  it('requires transparency-log evidence when the trusted root lists a log', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const root = trustedRoot([fulcio], { tlogKeyDer: publicKey.export({ type: 'spki', format: 'der' }) });
    const v = await verifications(new OciRegistrySource(), root, [ALICE]);
    expect(v['1.1.0']).toMatchObject({
      state: 'Failed',
      reason: expect.stringContaining(
        'it lacks the evidence the trusted root requires (it lists 1 transparency log(s) and 0 timestamp authority(ies)): expected 1 timestamps, got 0',
      ),
    });
    expect(v['1.0.0']).toMatchObject({
      state: 'Failed',
      reason: expect.stringContaining('requires transparency-log evidence'),
    });
  });

  it('agrees with cosign verify --trusted-root on every signed version', async () => {
    const rootFile = join(tmpdir(), `packyard-trusted-root-${process.pid}.json`);
    writeFileSync(rootFile, trustedRoot([fulcio]));
    const v = await verifications(new OciRegistrySource(), trustedRoot([fulcio]), [ALICE]);
    for (const version of ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.6.0']) {
      const ok = await cosign([
        'verify',
        '--trusted-root',
        rootFile,
        '--new-bundle-format=' + String(['1.1.0', '1.2.0', '1.4.0', '1.6.0'].includes(version)),
        '--certificate-identity-regexp',
        ALICE.subject,
        '--certificate-oidc-issuer-regexp',
        ALICE.issuer,
        '--insecure-ignore-tlog=true',
        '--insecure-ignore-sct=true',
        '--allow-http-registry',
        '--allow-insecure-registry',
        chartRef(version),
      ]).then(
        () => true,
        () => false,
      );
      expect([version, ok]).toEqual([version, v[version]!.state === 'Verified']);
    }
  });

  it('verifies an unchanged digest once, and again when the trusted root or the identities change', async () => {
    const counting = countingHttp();
    const source = new OciRegistrySource({ http: counting.http });
    const bundleReads = (from: number) =>
      counting.calls.slice(from).filter((c) => c.url.endsWith(`/manifests/${digests['1.1.0']!.replace(':', '-')}`))
        .length;
    const root = trustedRoot([fulcio]);
    await verifications(source, root, [ALICE]);
    let mark = counting.calls.length;
    await verifications(source, root, [ALICE]);
    expect(bundleReads(mark)).toBe(0);
    mark = counting.calls.length;
    await verifications(source, trustedRoot([fulcio, otherCa]), [ALICE]);
    expect(bundleReads(mark)).toBe(1);
    mark = counting.calls.length;
    await verifications(source, trustedRoot([fulcio, otherCa]), [ALICE, { issuer: '.', subject: 'bob' }]);
    expect(bundleReads(mark)).toBe(1);
  });

  it('refuses a trusted root that is not JSON, or lists no certificate authority: InvalidTrustedRoot', async () => {
    for (const [root, message] of [
      ['{"certificateAuthorities": [', 'not JSON'],
      ['{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}', 'lists no certificateAuthorities'],
      [
        JSON.stringify({
          certificateAuthorities: [{ certChain: { certificates: [{ rawBytes: 'bm90IGEgY2VydA==' }] } }],
        }),
        'not a usable sigstore TrustedRoot',
      ],
    ] as const) {
      const err = await new OciRegistrySource().sync(request(root, [ALICE])).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SourceError);
      expect(err).toMatchObject({ reason: 'InvalidTrustedRoot' });
      expect((err as Error).message).toContain(`ConfigMap test/sigstore-root key trusted_root.json: ${message}`);
    }
  });

  it('packyard verify explains a keyless version offline, printing the identity that signed', async () => {
    const work = tempDir();
    writeYaml(join(work, 'registries.yaml'), [
      objects.registry('keyless', `oci://${registry.host}/charts`, {
        type: 'oci',
        verify: {
          provider: 'cosign',
          matchOIDCIdentity: [ALICE],
          trustedRootRef: { kind: 'ConfigMap', name: 'sigstore-root' },
        },
      }),
    ]);
    writeFileSync(join(work, 'root.json'), trustedRoot([fulcio]));
    const env = { PACKYARD_REGISTRY_KEYLESS_TRUSTED_ROOT_FILE: join(work, 'root.json') };
    const ok = await runCli(['verify', 'podinfo@1.1.0', '-r', 'registries.yaml'], { cwd: work, env });
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    expect(ok.stdout).toContain('keyless/podinfo@1.1.0: Verified\n');
    expect(ok.stdout).toContain('  checked: cosign (cosign-bundle-keyless)\n');
    expect(ok.stdout).toContain(`  identity: alice@packyard.test (${ISSUER})\n`);
    const other = await runCli(['verify', 'podinfo@1.2.0', '-r', 'registries.yaml'], { cwd: work, env });
    expect(other.code).toBe(1);
    expect(other.stdout).toContain('Failed to verify certificate chain');
    // Without the root file the registry cannot verify at all, and says which variable to set.
    const none = await runCli(['verify', 'podinfo@1.1.0', '-r', 'registries.yaml'], { cwd: work });
    expect(none.code).not.toBe(0);
    expect(none.stdout + none.stderr).toContain('PACKYARD_REGISTRY_<NAME>_TRUSTED_ROOT_FILE');
  });
});
