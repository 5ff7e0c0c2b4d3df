// OciClient: Bearer token auth against the real registry (token service in the harness), and the
// faults a real registry will not produce on demand (tampered blobs, 429/503, hostile Link headers)
// from a small fake registry.
import { createHash } from 'node:crypto';
import { closeHttpAgents } from '../../../src/sources/http-client.js';
import { OciClient, type OciClientOptions } from '../../../src/sources/oci/oci-client.js';
import { OciRegistrySource } from '../../../src/sources/oci/oci-registry-source.js';
import { TokenService } from '../../../src/sources/oci/token-service.js';
import { content, hang, sequence, startServer, status, type TestServer } from '../../harness/http-server.js';
import { startOciRegistry, type OciRegistry } from '../../harness/oci-registry.js';
import { createTestPki } from '../../harness/tls.js';
import { countingHttp, syncRequest } from './oci-test-support.js';

const client = (origin: string, extra: Partial<OciClientOptions> = {}) =>
  new OciClient({ origin, timeoutMs: 20_000, tokens: new TokenService(), ...extra });

afterAll(() => closeHttpAgents());

describe('token auth against the real registry', () => {
  let registry: OciRegistry;
  let digest: string;

  beforeAll(async () => {
    registry = await startOciRegistry({ auth: 'token', anonymousPull: true });
    digest = await registry.pushChart({ name: 'podinfo', version: '6.6.0', appVersion: '6.6.0' }, 'charts');
    await registry.pushChart({ name: 'podinfo', version: '6.5.0' }, 'charts');
  }, 60_000);
  afterAll(() => registry?.close());

  const tokenRequests = () => registry.tokenServer!.requests.filter((r) => r.url.startsWith('/token'));

  it('pulls anonymously with a token per scope, cached across clients until it expires', async () => {
    const tokens = new TokenService();
    const before = tokenRequests().length;
    const c = client(registry.url, { tokens });
    await c.ping();
    expect(await c.tags('charts/podinfo')).toEqual(['6.5.0', '6.6.0']);
    expect(await c.manifestDigest('charts/podinfo', '6.6.0')).toBe(digest);
    const issued = tokenRequests().slice(before);
    expect(issued.map((r) => new URL(r.url, 'http://x').searchParams.getAll('scope'))).toEqual([[], ['repository:charts/podinfo:pull']]);
    expect(issued.every((r) => r.headers.authorization === undefined)).toBe(true);

    const again = client(registry.url, { tokens });
    await again.ping();
    await again.tags('charts/podinfo');
    expect(tokenRequests().length).toBe(before + 2); // no new token: both were cached
  });

  it('asks the realm for tokens with the username and password (basic) when configured', async () => {
    const before = tokenRequests().length;
    const c = client(registry.url, { credentials: { auth: { username: registry.username, password: registry.password } } });
    await c.ping();
    await c.tags('charts/podinfo');
    const issued = tokenRequests().slice(before);
    expect(issued).toHaveLength(2);
    expect(issued[1]!.headers.authorization).toBe(`Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`);
    expect(issued[1]!.url).toContain('account=packyard');
  });

  it('exchanges a .dockerconfigjson identity token by POST (OAuth2 refresh_token grant)', async () => {
    const before = tokenRequests().length;
    const c = client(registry.url, { credentials: { identityToken: registry.identityToken } });
    await c.ping();
    await c.tags('charts/podinfo');
    const issued = registry.tokenServer!.requests.slice(before);
    expect(issued.map((r) => r.method)).toEqual(['POST', 'POST']);
  });

  it('reports a rejected password or identity token as AuthenticationFailed', async () => {
    await expect(client(registry.url, { credentials: { auth: { username: 'packyard', password: 'nope' } } }).ping())
      .rejects.toMatchObject({ reason: 'AuthenticationFailed', message: expect.stringContaining('401') });
    await expect(client(registry.url, { credentials: { identityToken: 'revoked' } }).ping())
      .rejects.toMatchObject({ reason: 'AuthenticationFailed', message: expect.not.stringContaining('revoked') });
  });

  it('syncs a token-auth registry end to end, re-sync asking for no token at all', async () => {
    const counter = countingHttp();
    const source = new OciRegistrySource({ http: counter.http });
    const request = syncRequest({ url: `oci://${registry.host}/charts` }, { auth: { username: registry.username, password: registry.password } });
    const first = await source.sync(request);
    expect(first).toMatchObject({ changed: true, packs: [{ name: 'podinfo', latest: '6.6.0' }] });
    const mark = counter.calls.length;
    expect(await source.sync({ ...request, previous: { revision: (first as { revision: string }).revision } })).toEqual({ changed: false });
    expect(counter.counts(mark)).toEqual({ ping: 2, catalog: 1, tags: 1, 'manifest-head': 2 });
  });
});

describe('anonymous clients of a registry that grants them nothing', () => {
  let registry: OciRegistry;
  beforeAll(async () => {
    registry = await startOciRegistry({ auth: 'token', anonymousPull: false });
    await registry.pushChart({ name: 'podinfo', version: '1.0.0' }, 'charts');
  }, 60_000);
  afterAll(() => registry?.close());

  it('says credentials are required', async () => {
    const c = client(registry.url);
    await c.ping(); // any valid token opens /v2/
    await expect(c.tags('charts/podinfo')).rejects.toMatchObject({ reason: 'AuthenticationFailed', message: expect.stringContaining('has no secretRef') });
  });
});

describe('faults from a fake registry', () => {
  let server: TestServer;
  const blob = Buffer.from('{"name":"podinfo","version":"1.0.0"}');
  const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;

  beforeAll(async () => {
    server = await startServer({ routes: { '/v2/': content('{}', { contentType: 'application/json' }) } });
  });
  afterAll(() => server?.close());

  it('refuses a blob whose content does not match its digest', async () => {
    server.route(`/v2/tampered/blobs/${digest}`, content(Buffer.from('{"name":"evil","version":"1.0.0"}')));
    await expect(client(server.url).blob('tampered', { digest, size: blob.length }))
      .rejects.toMatchObject({ reason: 'InvalidIndex', message: expect.stringContaining('does not match its descriptor') });
    server.route(`/v2/good/blobs/${digest}`, content(blob));
    expect(await client(server.url).blob('good', { digest, size: blob.length })).toEqual(blob);
  });

  it('refuses a blob larger than the limit before downloading it', async () => {
    await expect(client(server.url, { maxBytes: 10 }).blob('good', { digest, size: blob.length })).rejects.toMatchObject({ reason: 'IndexTooLarge' });
    expect(server.requests.filter((r) => r.url.includes('/good/')).length).toBe(1); // only the earlier, successful fetch
  });

  it('reports 429 with a long Retry-After as RateLimited at once, and rides out a short 503', async () => {
    server.route('/v2/busy/tags/list', status(429, { headers: { 'retry-after': '120' } }));
    await expect(client(server.url).tags('busy')).rejects.toMatchObject({ reason: 'RateLimited', retryAfterMs: 120_000 });
    expect(server.count('/v2/busy/tags/list')).toBe(1);
    server.route('/v2/flaky/tags/list', sequence(status(503, { headers: { 'retry-after': '0' } }), content('{"tags":["1.0.0"]}')));
    expect(await client(server.url).tags('flaky')).toEqual(['1.0.0']);
    server.route('/v2/down/tags/list', status(502, { headers: { 'retry-after': '600' } }));
    await expect(client(server.url).tags('down')).rejects.toMatchObject({ reason: 'RateLimited', retryAfterMs: 600_000 });
  });

  it('refuses a Link to another host, and a Link loop', async () => {
    server.route('/v2/away/tags/list', content('{"tags":["1.0.0"]}', { headers: { link: '<https://elsewhere.example/v2/away/tags/list?last=1.0.0>; rel="next"' } }));
    await expect(client(server.url).tags('away')).rejects.toMatchObject({ reason: 'InvalidIndex', message: expect.stringContaining('another host') });
    server.route('/v2/loop/tags/list', content('{"tags":["1.0.0"]}', { headers: { link: '</v2/loop/tags/list?n=1000>; rel="next"' } }));
    await expect(client(server.url).tags('loop')).rejects.toMatchObject({ reason: 'InvalidIndex', message: expect.stringContaining('does not end') });
  });

  it('falls back to GET for the digest when a HEAD carries no Docker-Content-Digest', async () => {
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, config: { mediaType: 'x', digest, size: 1 } }));
    server.route('/v2/nodigest/manifests/1.0.0', content(manifest, { contentType: 'application/vnd.oci.image.manifest.v1+json' }));
    expect(await client(server.url).manifestDigest('nodigest', '1.0.0')).toBe(`sha256:${createHash('sha256').update(manifest).digest('hex')}`);
  });

  it('refuses a manifest whose bytes do not match the digest it was asked by', async () => {
    const other = `sha256:${'0'.repeat(64)}`;
    server.route(`/v2/swapped/manifests/${other}`, content('{"schemaVersion":2}'));
    await expect(client(server.url).manifest('swapped', other)).rejects.toMatchObject({ reason: 'InvalidIndex', message: expect.stringContaining('does not match digest') });
  });

  it('reports a registry that stops answering as Timeout', async () => {
    server.route('/v2/slow/tags/list', hang());
    await expect(client(server.url, { timeoutMs: 300 }).tags('slow')).rejects.toMatchObject({ reason: 'Timeout' });
  });
});

describe('TLS', () => {
  it('speaks https to a loopback registry that has TLS settings, verifying it against the CA given', async () => {
    const pki = await createTestPki();
    const tlsServer = await startServer({
      tls: { cert: pki.server.cert, key: pki.server.key },
      routes: { '/v2/': content('{}'), '/v2/charts/podinfo/tags/list': content('{"tags":["1.0.0"]}') },
    });
    try {
      await expect(client(tlsServer.url).ping()).rejects.toMatchObject({ reason: 'TLSError', message: expect.stringContaining('caSecretRef') });
      const ok = client(tlsServer.url, { tls: { ca: pki.ca.cert } });
      await ok.ping();
      expect(await ok.tags('charts/podinfo')).toEqual(['1.0.0']);
      // Through the source: a CA in the credentials turns the loopback registry to https.
      const result = await new OciRegistrySource().sync(syncRequest({ url: `oci://${tlsServer.url.slice('https://'.length)}/charts`, oci: { repositories: ['podinfo'], content: 'helm' } }, { tls: { ca: pki.ca.cert } }));
      // The fake lists a tag it has no manifest for: like a tag deleted after the listing, it is skipped and counted.
      expect(result).toMatchObject({ changed: true, packs: [], skippedVersions: 1 });
      expect(tlsServer.requests.some((r) => r.method === 'HEAD' && r.url === '/v2/charts/podinfo/manifests/1.0.0')).toBe(true);
    } finally {
      await tlsServer.close();
    }
  });
});
