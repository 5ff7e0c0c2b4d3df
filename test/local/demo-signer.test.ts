// The demo's signer writes cosign's legacy signature format with node:crypto: the real `cosign
// verify` must accept what it writes, and so must the operator's verifier.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoKeys, signLikeCosign } from '../../src/local/demo-signer.js';
import { closeHttpAgents } from '../../src/sources/http-client.js';
import { OciClient } from '../../src/sources/oci/oci-client.js';
import { OciRegistrySource } from '../../src/sources/oci/oci-registry-source.js';
import { TokenService } from '../../src/sources/oci/token-service.js';
import { startOciRegistry, type OciRegistry } from '../harness/oci-registry.js';
import { cosign } from '../harness/signing.js';
import { syncRequest } from '../sources/oci/oci-test-support.js';

let registry: OciRegistry;

beforeAll(async () => {
  registry = await startOciRegistry({ auth: 'none' });
}, 120_000);

afterAll(async () => {
  await registry?.close();
  await closeHttpAgents();
});

describe('the demo signer', () => {
  it('writes signatures that cosign verify and the operator both accept, with a key kept across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'packyard-demo-keys-'));
    const keys = demoKeys(dir);
    expect(demoKeys(dir).publicKeyPem).toBe(keys.publicKeyPem);
    const repository = 'spectro-packs/archive/cni-calico';
    const digest = await registry.pushPack({ name: 'cni-calico', version: '3.27.3', layer: 'cni' }, repository);
    await registry.pushPack({ name: 'cni-calico', version: '3.26.4', layer: 'cni' }, repository);
    const client = new OciClient({ origin: registry.url, timeoutMs: 60_000, tokens: new TokenService() });
    await signLikeCosign(client, repository, `${registry.host}/${repository}`, digest, keys.privateKey);

    const pub = join(dir, 'verify.pub');
    writeFileSync(pub, keys.publicKeyPem);
    const out = await cosign([
      'verify',
      '--key',
      pub,
      '--insecure-ignore-tlog=true',
      '--allow-http-registry',
      '--allow-insecure-registry',
      '-o',
      'json',
      `${registry.host}/${repository}@${digest}`,
    ]);
    expect(JSON.parse(out)[0].critical.image['docker-manifest-digest']).toBe(digest);

    const result = await new OciRegistrySource().sync(
      syncRequest(
        {
          url: `oci://${registry.host}`,
          oci: { content: 'pack' },
          verify: { provider: 'cosign', secretRef: { name: 'k' } },
        },
        { verify: { provider: 'cosign', entries: { 'cosign.pub': Buffer.from(keys.publicKeyPem) }, source: 'test' } },
      ),
    );
    if (!result.changed) throw new Error('expected a catalogue');
    expect(result.packs[0]!.versions.map((v) => [v.version, v.verification?.state])).toEqual([
      ['3.27.3', 'Verified'],
      ['3.26.4', 'Unsigned'],
    ]);
  });
});
