// cosign signatures against the real registry: charts pushed by the real `helm push`, Palette packs
// by the real `oras push`, signed by the real `cosign sign --key` in both storage schemes (the legacy
// `.sig` tag, and a sigstore bundle referrer through the tag fallback distribution needs), and
// checked by OciRegistrySource. Hostile signature manifests are written through the distribution API.
import { createHash } from 'node:crypto';
import type { PackRegistrySpec } from '../../../src/api/packregistry.js';
import type { VersionVerification } from '../../../src/api/verification.js';
import type { CatalogPack } from '../../../src/sources/catalog.js';
import { closeHttpAgents } from '../../../src/sources/http-client.js';
import { OCI_INDEX, OCI_MANIFEST } from '../../../src/sources/oci/media-types.js';
import { OciClient } from '../../../src/sources/oci/oci-client.js';
import { OciRegistrySource } from '../../../src/sources/oci/oci-registry-source.js';
import { TokenService } from '../../../src/sources/oci/token-service.js';
import {
  SIGNATURE_ANNOTATION,
  signatureTag,
  SIMPLE_SIGNING,
} from '../../../src/sources/verify/cosign-simple-signing.js';
import { startServer } from '../../harness/http-server.js';
import { startOciRegistry, type OciRegistry } from '../../harness/oci-registry.js';
import { cosign, cosignKeyPair, cosignSign, type CosignKeyPair } from '../../harness/signing.js';
import { countingHttp, syncRequest } from '../oci/oci-test-support.js';

let registry: OciRegistry;
let key: CosignKeyPair;
let otherKey: CosignKeyPair;
const digests: Record<string, string> = {};
const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** A client per use: its timeout is a budget from its creation, and the suite outlasts one on a loaded machine. */
const client = () => new OciClient({ origin: registry.url, timeoutMs: 60_000, tokens: new TokenService() });
const chartRef = (version: string) => `${registry.host}/charts/podinfo@${digests[`podinfo:${version}`]}`;

beforeAll(async () => {
  registry = await startOciRegistry({ auth: 'none' });
  [key, otherKey] = await Promise.all([cosignKeyPair(), cosignKeyPair()]);
  for (const version of [
    '0.9.0',
    '1.0.0',
    '1.1.0',
    '1.2.0',
    '1.3.0',
    '2.0.0',
    '3.0.0',
    '3.1.0',
    '3.2.0',
    '3.3.0',
    '3.4.0',
  ]) {
    digests[`podinfo:${version}`] = await registry.pushChart({ name: 'podinfo', version }, 'charts');
  }
  digests['cni-calico:3.27.0'] = await registry.pushPack(
    { name: 'cni-calico', version: '3.27.0', layer: 'cni' },
    'packs/spectro-packs/archive/cni-calico',
  );
  await cosignSign(chartRef('1.0.0'), key, 'tag');
  await cosignSign(chartRef('1.1.0'), key, 'bundle');
  await cosignSign(chartRef('1.2.0'), otherKey, 'tag');
  await cosignSign(chartRef('2.0.0'), key, 'tag');
  await cosignSign(
    `${registry.host}/packs/spectro-packs/archive/cni-calico@${digests['cni-calico:3.27.0']}`,
    key,
    'tag',
  );
  // 1.3.0 carries 1.0.0's signature, copied to its own .sig tag: valid, but for another digest.
  await registry.oras([
    'tag',
    `${registry.host}/charts/podinfo:${signatureTag(digests['podinfo:1.0.0']!)}`,
    signatureTag(digests['podinfo:1.3.0']!),
  ]);
}, 600_000);

afterAll(async () => {
  await registry?.close();
  await closeHttpAgents();
});

function request(keys: Buffer[], extra: Partial<PackRegistrySpec> = {}) {
  const entries = Object.fromEntries(keys.map((k, i) => [`key${i}.pub`, k]));
  return syncRequest(
    { url: `oci://${registry.host}/charts`, verify: { provider: 'cosign', secretRef: { name: 'keys' } }, ...extra },
    { verify: { provider: 'cosign', entries, source: 'Secret test/keys' } },
  );
}

async function verifications(
  source: OciRegistrySource,
  keys: Buffer[],
  extra: Partial<PackRegistrySpec> = {},
): Promise<Record<string, VersionVerification | undefined>> {
  const result = await source.sync(request(keys, extra));
  if (!result.changed) throw new Error('expected a catalogue');
  return Object.fromEntries(
    result.packs.flatMap((p: CatalogPack) => p.versions.map((v) => [`${p.name}@${v.version}`, v.verification])),
  );
}

const keyId = (pem: Buffer) => {
  const b64 = pem
    .toString('utf8')
    .replace(/-----[^-]+-----/g, '')
    .replace(/\s+/g, '');
  return `sha256:${createHash('sha256').update(Buffer.from(b64, 'base64')).digest('hex')}`;
};

/** Pushes a manifest (and its blobs) straight through the distribution API. */
async function putSignatureManifest(
  repository: string,
  tag: string,
  layers: { payload: Buffer; annotations?: Record<string, string>; mediaType?: string }[],
) {
  const config = Buffer.from('{}');
  const configDigest = await client().pushBlob(repository, config);
  const descriptors = [];
  for (const l of layers) {
    descriptors.push({
      mediaType: l.mediaType ?? SIMPLE_SIGNING,
      size: l.payload.length,
      digest: await client().pushBlob(repository, l.payload),
      ...(l.annotations && { annotations: l.annotations }),
    });
  }
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 2, digest: configDigest },
    layers: descriptors,
  };
  return client().putManifest(repository, tag, Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);
}

describe('cosign signatures (cosign sign --key)', () => {
  it('verifies the legacy .sig tag and the bundle referrer, and tells unsigned, wrong key and another digest apart', async () => {
    const v = await verifications(new OciRegistrySource(), [key.publicKey]);
    expect(v['podinfo@1.0.0']).toEqual({ state: 'Verified', signer: keyId(key.publicKey), method: 'cosign-tag' });
    expect(v['podinfo@1.1.0']).toEqual({ state: 'Verified', signer: keyId(key.publicKey), method: 'cosign-bundle' });
    expect(v['podinfo@0.9.0']).toMatchObject({ state: 'Unsigned' });
    expect(v['podinfo@0.9.0']!.reason).toContain(
      `no ${signatureTag(digests['podinfo:0.9.0']!)} tag, no sigstore bundle referrer`,
    );
    expect(v['podinfo@1.2.0']).toMatchObject({ state: 'Failed', method: 'cosign-tag' });
    expect(v['podinfo@1.2.0']!.reason).toMatch(new RegExp(`does not verify with key ${keyId(key.publicKey)}$`));
    expect(v['podinfo@1.3.0']).toMatchObject({ state: 'Failed' });
    expect(v['podinfo@1.3.0']!.reason).toContain(
      `a signature by ${keyId(key.publicKey)} is for ${digests['podinfo:1.0.0']}, not ${digests['podinfo:1.3.0']}`,
    );
  });

  it('agrees with cosign verify on every signed version', async () => {
    const pub = `${key.keyPath.replace(/cosign\.key$/, 'cosign.pub')}`;
    const v = await verifications(new OciRegistrySource(), [key.publicKey]);
    for (const version of ['1.0.0', '1.2.0', '1.3.0']) {
      const ok = await cosign([
        'verify',
        '--key',
        pub,
        '--insecure-ignore-tlog=true',
        '--allow-http-registry',
        '--allow-insecure-registry',
        chartRef(version),
      ]).then(
        () => true,
        () => false,
      );
      expect([version, ok]).toEqual([version, v[`podinfo@${version}`]!.state === 'Verified']);
    }
  });

  it('verifies Palette packs as well', async () => {
    const v = await verifications(new OciRegistrySource(), [key.publicKey], {
      url: `oci://${registry.host}/packs`,
      oci: { content: 'pack' },
    });
    expect(v['cni-calico@3.27.0']).toMatchObject({ state: 'Verified', method: 'cosign-tag' });
  });

  it('verifies with any of several keys, naming the one that signed', async () => {
    const v = await verifications(new OciRegistrySource(), [key.publicKey, otherKey.publicKey]);
    expect(v['podinfo@1.2.0']).toEqual({ state: 'Verified', signer: keyId(otherKey.publicKey), method: 'cosign-tag' });
  });

  it('verifies an unchanged digest once per key set, and everything again when the keys change', async () => {
    const counting = countingHttp();
    const source = new OciRegistrySource({ http: counting.http });
    const sigGets = (from: number) =>
      counting.calls.slice(from).filter((c) => /\/manifests\/sha256-[0-9a-f]{64}\.sig$/.test(c.url)).length;
    const first = await verifications(source, [key.publicKey]);
    const unsigned = Object.values(first).filter((v) => v?.state === 'Unsigned').length;
    expect(unsigned).toBeGreaterThan(0);
    const mark = counting.calls.length;
    await verifications(source, [key.publicKey]);
    // Only the unsigned versions are asked again: a signature may have been pushed for them since.
    expect(sigGets(mark)).toBe(unsigned);
    const mark2 = counting.calls.length;
    await verifications(source, [key.publicKey, otherKey.publicKey]);
    expect(sigGets(mark2)).toBe(11);
  });

  it('reads a bundle through the OCI 1.1 referrers API when the registry has one', async () => {
    // distribution has no referrers API: a front answers it with the index cosign kept under the
    // fallback tag, refuses that tag, and passes everything else to the real registry.
    const digest = digests['podinfo:1.1.0']!;
    const fallbackTag = digest.replace(':', '-');
    const kept = (await client().manifest('charts/podinfo', fallbackTag)).manifest;
    const index = JSON.stringify({
      ...kept,
      manifests: kept.manifests!.map((d) => ({ ...d, artifactType: BUNDLE_TYPE })),
    });
    const front = await startServer({
      routes: {
        '/v2/': async (req, res) => {
          const path = new URL(req.url ?? '/', 'http://x').pathname;
          if (path === `/v2/charts/podinfo/referrers/${digest}`)
            return void res.writeHead(200, { 'content-type': OCI_INDEX }).end(index);
          if (path === `/v2/charts/podinfo/manifests/${fallbackTag}`) return void res.writeHead(404).end();
          const upstream = await fetch(`${registry.url}${req.url}`, {
            method: req.method,
            headers: { accept: String(req.headers.accept ?? '*/*') },
          });
          const headers: Record<string, string> = {};
          for (const h of ['content-type', 'docker-content-digest', 'content-length', 'link']) {
            const value = upstream.headers.get(h);
            if (value !== null) headers[h] = value;
          }
          res.writeHead(upstream.status, headers).end(Buffer.from(await upstream.arrayBuffer()));
        },
      },
    });
    try {
      const host = new URL(front.url).host;
      const v = await verifications(new OciRegistrySource(), [key.publicKey], { url: `oci://${host}/charts` });
      expect(v['podinfo@1.1.0']).toEqual({ state: 'Verified', signer: keyId(key.publicKey), method: 'cosign-bundle' });
      const paths = front.requests.map((r) => r.url);
      expect(paths).toContain(`/v2/charts/podinfo/referrers/${digest}`);
      expect(paths).not.toContain(`/v2/charts/podinfo/manifests/${fallbackTag}`);
    } finally {
      await front.close();
    }
  });

  it('fails a version whose tag was re-pushed over signed content with an unsigned digest', async () => {
    const source = new OciRegistrySource();
    expect((await verifications(source, [key.publicKey]))['podinfo@2.0.0']).toMatchObject({ state: 'Verified' });
    const before = digests['podinfo:2.0.0'];
    await registry.pushChart({ name: 'podinfo', version: '2.0.0', description: 'not what was signed' }, 'charts');
    const v = await verifications(source, [key.publicKey]);
    expect(v['podinfo@2.0.0']!.state).toBe('Failed');
    expect(v['podinfo@2.0.0']!.reason).toContain(`was verified at ${before} and now names sha256:`);
  });
});

describe('cosign signatures: hostile input, bounded with a clear reason', () => {
  it('a signature layer with a garbage signature, and one with none', async () => {
    await putSignatureManifest('charts/podinfo', signatureTag(digests['podinfo:3.0.0']!), [
      { payload: Buffer.from('{"critical":{}}'), annotations: { [SIGNATURE_ANNOTATION]: 'bm90IGEgc2lnbmF0dXJl' } },
      { payload: Buffer.from('{}') },
    ]);
    const v = (await verifications(new OciRegistrySource(), [key.publicKey]))['podinfo@3.0.0']!;
    expect(v.state).toBe('Failed');
    expect(v.reason).toMatch(
      /the signature in layer sha256:[0-9a-f]{64} does not verify with key .*; layer sha256:[0-9a-f]{64} has no dev\.cosignproject\.cosign\/signature annotation/,
    );
  });

  it('more signature layers than are looked at', async () => {
    const layers = Array.from({ length: 40 }, (_, i) => ({
      payload: Buffer.from(`{"n":${i}}`),
      annotations: { [SIGNATURE_ANNOTATION]: 'AA==' },
    }));
    await putSignatureManifest('charts/podinfo', signatureTag(digests['podinfo:3.1.0']!), layers);
    const v = (await verifications(new OciRegistrySource(), [key.publicKey]))['podinfo@3.1.0']!;
    expect(v).toMatchObject({
      state: 'Failed',
      reason: expect.stringContaining('holds 40 signatures, more than the 16 looked at'),
    });
  });

  it('a huge signature payload is refused before it is downloaded', async () => {
    await putSignatureManifest('charts/podinfo', signatureTag(digests['podinfo:3.2.0']!), [
      { payload: Buffer.alloc(2 * 1024 * 1024, 0x20), annotations: { [SIGNATURE_ANNOTATION]: 'AA==' } },
    ]);
    const counting = countingHttp();
    const v = (await verifications(new OciRegistrySource({ http: counting.http }), [key.publicKey]))['podinfo@3.2.0']!;
    expect(v.state).toBe('Failed');
    expect(v.reason).toMatch(/blob of 2097152 bytes is larger than the limit of 65536 bytes/);
  });

  it('a bundle with a garbage certificate, and a referrers index listing 500 bundles', async () => {
    const digest = digests['podinfo:3.3.0']!;
    const garbage = {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: {
        certificate: { rawBytes: Buffer.from('not a certificate').toString('base64') },
        tlogEntries: [],
      },
      messageSignature: {
        messageDigest: { algorithm: 'SHA2_256', digest: Buffer.from(digest.slice(7), 'hex').toString('base64') },
        signature: 'AA==',
      },
    };
    const bundleManifest = await putSignatureManifest('charts/podinfo', 'garbage-bundle', [
      { payload: Buffer.from(JSON.stringify(garbage)), mediaType: BUNDLE_TYPE },
    ]);
    const bundleSize = (await client().manifest('charts/podinfo', bundleManifest)).manifest;
    const descriptor = (d: string, size: number) => ({
      mediaType: OCI_MANIFEST,
      artifactType: BUNDLE_TYPE,
      digest: d,
      size,
    });
    const one = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [descriptor(bundleManifest, JSON.stringify(bundleSize).length)],
      }),
    );
    await client().putManifest('charts/podinfo', digest.replace(':', '-'), one, OCI_INDEX);
    let v = (await verifications(new OciRegistrySource(), [key.publicKey]))['podinfo@3.3.0']!;
    expect(v.state).toBe('Failed');
    expect(v.reason).toMatch(/^bundle sha256:[0-9a-f]{64}: malformed bundle \(/);

    // An index listing 500 "bundles": bounded before any is fetched.
    const many = Array.from({ length: 500 }, () => descriptor(bundleManifest, 10));
    await client().putManifest(
      'charts/podinfo',
      digest.replace(':', '-'),
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: many })),
      OCI_INDEX,
    );
    v = (await verifications(new OciRegistrySource(), [key.publicKey]))['podinfo@3.3.0']!;
    expect(v).toMatchObject({ state: 'Failed', reason: expect.stringContaining('500 bundles refer to') });
  });

  it('a referrers fallback tag that is not an index', async () => {
    const digest = digests['podinfo:3.4.0']!;
    await putSignatureManifest('charts/podinfo', digest.replace(':', '-'), [
      { payload: Buffer.from('x'), mediaType: 'text/plain' },
    ]);
    const v = (await verifications(new OciRegistrySource(), [key.publicKey]))['podinfo@3.4.0']!;
    expect(v.state).toBe('Unsigned');
  });
});
