// OciClient: Bearer token auth against the real registry (token service in the harness), and the
// faults a real registry will not produce on demand (tampered blobs, 429/503, hostile Link headers)
// from a small fake registry.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { closeHttpAgents, httpGet } from '../../../src/sources/http-client.js';
import { OciClient, type OciClientOptions } from '../../../src/sources/oci/oci-client.js';
import { OciRegistrySource } from '../../../src/sources/oci/oci-registry-source.js';
import { TokenService } from '../../../src/sources/oci/token-service.js';
import { content, hang, sequence, startServer, status, type TestServer } from '../../harness/http-server.js';
import { startOciRegistry, type OciRegistry } from '../../harness/oci-registry.js';
import { createTestPki } from '../../harness/tls.js';
import { waitFor } from '../../harness/wait.js';
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
    expect(issued.map((r) => new URL(r.url, 'http://x').searchParams.getAll('scope'))).toEqual([
      [],
      ['repository:charts/podinfo:pull'],
    ]);
    expect(issued.every((r) => r.headers.authorization === undefined)).toBe(true);

    const again = client(registry.url, { tokens });
    await again.ping();
    await again.tags('charts/podinfo');
    expect(tokenRequests().length).toBe(before + 2); // no new token: both were cached
  });

  it('asks the realm for tokens with the username and password (basic) when configured', async () => {
    const before = tokenRequests().length;
    const c = client(registry.url, {
      credentials: { auth: { username: registry.username, password: registry.password } },
    });
    await c.ping();
    await c.tags('charts/podinfo');
    const issued = tokenRequests().slice(before);
    expect(issued).toHaveLength(2);
    expect(issued[1]!.headers.authorization).toBe(
      `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`,
    );
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
    await expect(
      client(registry.url, { credentials: { auth: { username: 'packyard', password: 'nope' } } }).ping(),
    ).rejects.toMatchObject({ reason: 'AuthenticationFailed', message: expect.stringContaining('401') });
    await expect(client(registry.url, { credentials: { identityToken: 'revoked' } }).ping()).rejects.toMatchObject({
      reason: 'AuthenticationFailed',
      message: expect.not.stringContaining('revoked'),
    });
  });

  it('syncs a token-auth registry end to end, re-sync asking for no token at all', async () => {
    const counter = countingHttp();
    const source = new OciRegistrySource({ http: counter.http });
    const request = syncRequest(
      { url: `oci://${registry.host}/charts` },
      { auth: { username: registry.username, password: registry.password } },
    );
    const first = await source.sync(request);
    expect(first).toMatchObject({ changed: true, packs: [{ name: 'podinfo', latest: '6.6.0' }] });
    const mark = counter.calls.length;
    expect(await source.sync({ ...request, previous: { revision: (first as { revision: string }).revision } })).toEqual(
      { changed: false },
    );
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
    await expect(c.tags('charts/podinfo')).rejects.toMatchObject({
      reason: 'AuthenticationFailed',
      message: expect.stringContaining('has no secretRef'),
    });
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
    await expect(client(server.url).blob('tampered', { digest, size: blob.length })).rejects.toMatchObject({
      reason: 'InvalidIndex',
      message: expect.stringContaining('does not match its descriptor'),
    });
    server.route(`/v2/good/blobs/${digest}`, content(blob));
    expect(await client(server.url).blob('good', { digest, size: blob.length })).toEqual(blob);
  });

  it('refuses a blob larger than the limit before downloading it', async () => {
    await expect(
      client(server.url, { maxBytes: 10 }).blob('good', { digest, size: blob.length }),
    ).rejects.toMatchObject({ reason: 'IndexTooLarge' });
    expect(server.requests.filter((r) => r.url.includes('/good/')).length).toBe(1); // only the earlier, successful fetch
  });

  it('reports 429 with a long Retry-After as RateLimited at once, and rides out a short 503', async () => {
    server.route('/v2/busy/tags/list', status(429, { headers: { 'retry-after': '120' } }));
    await expect(client(server.url).tags('busy')).rejects.toMatchObject({
      reason: 'RateLimited',
      retryAfterMs: 120_000,
    });
    expect(server.count('/v2/busy/tags/list')).toBe(1);
    server.route(
      '/v2/flaky/tags/list',
      sequence(status(503, { headers: { 'retry-after': '0' } }), content('{"tags":["1.0.0"]}')),
    );
    expect(await client(server.url).tags('flaky')).toEqual(['1.0.0']);
    server.route('/v2/down/tags/list', status(502, { headers: { 'retry-after': '600' } }));
    await expect(client(server.url).tags('down')).rejects.toMatchObject({
      reason: 'RateLimited',
      retryAfterMs: 600_000,
    });
  });

  it('refuses a Link to another host, and a Link loop', async () => {
    server.route(
      '/v2/away/tags/list',
      content('{"tags":["1.0.0"]}', {
        headers: { link: '<https://elsewhere.example/v2/away/tags/list?last=1.0.0>; rel="next"' },
      }),
    );
    await expect(client(server.url).tags('away')).rejects.toMatchObject({
      reason: 'InvalidIndex',
      message: expect.stringContaining('another host'),
    });
    server.route(
      '/v2/loop/tags/list',
      content('{"tags":["1.0.0"]}', { headers: { link: '</v2/loop/tags/list?n=1000>; rel="next"' } }),
    );
    await expect(client(server.url).tags('loop')).rejects.toMatchObject({
      reason: 'InvalidIndex',
      message: expect.stringContaining('does not end'),
    });
  });

  it('falls back to GET for the digest when a HEAD carries no Docker-Content-Digest', async () => {
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, config: { mediaType: 'x', digest, size: 1 } }));
    server.route(
      '/v2/nodigest/manifests/1.0.0',
      content(manifest, { contentType: 'application/vnd.oci.image.manifest.v1+json' }),
    );
    expect(await client(server.url).manifestDigest('nodigest', '1.0.0')).toBe(
      `sha256:${createHash('sha256').update(manifest).digest('hex')}`,
    );
  });

  it('refuses a manifest whose bytes do not match the digest it was asked by', async () => {
    const other = `sha256:${'0'.repeat(64)}`;
    server.route(`/v2/swapped/manifests/${other}`, content('{"schemaVersion":2}'));
    await expect(client(server.url).manifest('swapped', other)).rejects.toMatchObject({
      reason: 'InvalidIndex',
      message: expect.stringContaining('does not match digest'),
    });
  });

  it('keeps credentials and tokens out of messages when the registry or its token service echoes them', async () => {
    // A registry that quotes the Authorization it got in its error bodies (401, 500), and a token
    // service at /token that does the same when it refuses a password.
    const echo = (code: number, challenge?: string) => (req: IncomingMessage, res: ServerResponse) => {
      const sent = req.headers.authorization;
      if (!sent && challenge) return void res.writeHead(401, { 'www-authenticate': challenge }).end();
      res.writeHead(code, challenge && code === 401 ? { 'www-authenticate': challenge } : {}).end(`got ${sent}`);
    };
    const bearer = `Bearer realm="${server.url}/token",service="echo"`;
    server.route('/v2/rejects/tags/list', echo(401, 'Basic realm="echo"'));
    server.route('/v2/fails/tags/list', echo(500, 'Basic realm="echo"'));
    server.route('/v2/tokenfails/tags/list', echo(500, bearer));
    server.route('/token', (req, res) =>
      req.url?.includes('account=')
        ? void res.writeHead(401).end(`got ${req.headers.authorization}`)
        : void res.end(JSON.stringify({ token: 'issued-token-0123456789' })),
    );
    const password = 'registry-password-0123456789';
    const secrets = [
      password,
      Buffer.from(`alice:${password}`).toString('base64'),
      'pat-0123456789',
      'issued-token-0123456789',
    ];
    const cases: [string, OciClientOptions['credentials']][] = [
      ['rejects', { auth: { username: 'alice', password } }],
      ['rejects', { auth: { token: 'pat-0123456789' } }],
      ['fails', { auth: { username: 'alice', password } }],
      ['fails', { auth: { token: 'pat-0123456789' } }],
      ['tokenfails', { auth: { username: 'alice', password } }], // the token service refuses it
      ['tokenfails', {}], // an anonymous token, echoed by the 500
    ];
    for (const [repository, credentials] of cases) {
      // A short budget: a 500 is retried once, not three times, before it is the error.
      const err = (await client(server.url, { credentials, timeoutMs: 1500 })
        .tags(repository)
        .catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(/HTTP (401|500)/);
      expect(err.message).toContain('got ');
      for (const secret of secrets) expect(err.message).not.toContain(secret);
    }
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
      await expect(client(tlsServer.url).ping()).rejects.toMatchObject({
        reason: 'TLSError',
        message: expect.stringContaining('caSecretRef'),
      });
      const ok = client(tlsServer.url, { tls: { ca: pki.ca.cert } });
      await ok.ping();
      expect(await ok.tags('charts/podinfo')).toEqual(['1.0.0']);
      // Through the source: a CA in the credentials turns the loopback registry to https.
      const result = await new OciRegistrySource().sync(
        syncRequest(
          {
            url: `oci://${tlsServer.url.slice('https://'.length)}/charts`,
            oci: { repositories: ['podinfo'], content: 'helm' },
          },
          { tls: { ca: pki.ca.cert } },
        ),
      );
      // The fake lists a tag it has no manifest for: like a tag deleted after the listing, it is skipped and counted.
      expect(result).toMatchObject({ changed: true, packs: [], skippedVersions: 1 });
      expect(
        tlsServer.requests.some((r) => r.method === 'HEAD' && r.url === '/v2/charts/podinfo/manifests/1.0.0'),
      ).toBe(true);
    } finally {
      await tlsServer.close();
    }
  });
});

describe('token service faults against the real registry', () => {
  let registry: OciRegistry;
  /** Answers of the realm queued by a test, served before it issues tokens again. */
  const realmAnswers: { status: number; headers?: Record<string, string> }[] = [];

  beforeAll(async () => {
    // The realm says tokens last 300 s; the registry takes them for 2 s: a token expires while the client still trusts it.
    registry = await startOciRegistry({
      auth: 'token',
      tokenExpiresInS: 300,
      tokenValidForS: 2,
      wrapTokenService: (next) => (req, res, s) => {
        const answer = realmAnswers.shift();
        return answer ? void res.writeHead(answer.status, answer.headers).end('realm trouble') : next(req, res, s);
      },
    });
    await registry.seedCharts(
      'charts/podinfo',
      ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0'].map((version) => ({ name: 'podinfo', version })),
    );
    for (const name of ['alpha', 'beta', 'gamma', 'delta'])
      await registry.seedCharts(`charts/${name}`, [{ name, version: '1.0.0' }]);
  }, 60_000);
  afterAll(() => registry?.close());

  const creds = () => ({ credentials: { auth: { username: registry.username, password: registry.password } } });
  /** Seconds since the epoch until which the registry accepts a JWT: its exp plus distribution's 60 s leeway. */
  const acceptedUntil = (token: string) =>
    (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp + 60;

  it.each([
    [
      'tags/list',
      (c: OciClient) => c.tags('charts/podinfo'),
      ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0'],
      /\/v2\/charts\/podinfo\/tags\/list\?.*last=/,
    ],
    [
      '_catalog',
      (c: OciClient) => c.catalog(),
      ['charts/alpha', 'charts/beta', 'charts/delta', 'charts/gamma', 'charts/podinfo'],
      /\/v2\/_catalog\?.*last=/,
    ],
  ])(
    'renews a token that expires between two pages of %s and lists every entry',
    async (_what, list, expected, laterPage) => {
      let firstPage = true;
      const http: typeof httpGet = async (url, opts) => {
        const res = await httpGet(url, opts);
        const token = opts?.auth && 'token' in opts.auth ? opts.auth.token : undefined;
        if (firstPage && token && /\/(tags\/list|_catalog)\?/.test(url) && res.status === 200) {
          firstPage = false;
          // Hold the next page until the registry no longer takes the token this page used.
          await waitFor(
            'the token to expire at the registry',
            () => Date.now() / 1000 > acceptedUntil(token) + 1,
            10_000,
            100,
          );
        }
        return res;
      };
      await registry.settle();
      const mark = registry.requests(/^packyard/).length;
      const c = client(registry.url, { ...creds(), pageSize: 2, http });
      await c.ping();
      expect(await list(c)).toEqual(expected);
      expect(firstPage).toBe(false);
      await registry.settle();
      const seen = registry.requests(/^packyard/).slice(mark);
      // The later page met a 401 for the expired token, then passed with a new one.
      const refused = seen.findIndex((e) => e.status === 401 && laterPage.test(e.url));
      expect(refused).toBeGreaterThan(0);
      expect(seen.slice(refused + 1).some((e) => e.status === 200 && e.url === seen[refused]!.url)).toBe(true);
    },
  );

  it('renews a cached token the registry no longer takes in the next sync, right after its ping learnt the challenge', async () => {
    const tokens = new TokenService(); // shared by the syncs, as in the operator
    const first = client(registry.url, { ...creds(), tokens });
    let used: string | undefined;
    const http: typeof httpGet = (url, opts) => {
      if (opts?.auth && 'token' in opts.auth && url.includes('/tags/list')) used ??= opts.auth.token;
      return httpGet(url, opts);
    };
    await first.ping();
    expect(await client(registry.url, { ...creds(), tokens, http }).tags('charts/beta')).toEqual(['1.0.0']);
    await waitFor(
      'the cached token to expire at the registry',
      () => Date.now() / 1000 > acceptedUntil(used!) + 1,
      10_000,
      100,
    );
    // A new sync: its ping (no credentials) learns the challenge, then the cached token is refused once.
    const next = client(registry.url, { ...creds(), tokens });
    await next.ping();
    expect(await next.tags('charts/beta')).toEqual(['1.0.0']);
  });

  it('rides out a realm that answers 503 for a moment, and names the token service when it keeps failing', async () => {
    const c = client(registry.url, creds());
    realmAnswers.push({ status: 503 }, { status: 502 });
    await c.ping();
    expect(await c.tags('charts/alpha')).toEqual(['1.0.0']);
    expect(realmAnswers).toEqual([]);

    realmAnswers.push(...Array.from({ length: 4 }, () => ({ status: 500 })));
    await expect(client(registry.url, creds()).ping()).rejects.toMatchObject({
      reason: 'FetchFailed',
      message: expect.stringMatching(
        /^token service http:\/\/127\.0\.0\.1:\d+\/token: GET .*: HTTP 500 Internal Server Error: realm trouble \(after 3 retries\)$/,
      ),
    });
    realmAnswers.push({ status: 429, headers: { 'retry-after': '120' } });
    await expect(client(registry.url, creds()).ping()).rejects.toMatchObject({
      reason: 'RateLimited',
      retryAfterMs: 120_000,
      message: expect.stringContaining('token service'),
    });
    realmAnswers.length = 0;
  });

  it('names the token service when it rejects the credentials, without the password', async () => {
    await expect(
      client(registry.url, { credentials: { auth: { username: registry.username, password: 'rotated-away' } } }).ping(),
    ).rejects.toMatchObject({
      reason: 'AuthenticationFailed',
      message: expect.stringMatching(
        /^token service http:\/\/127\.0\.0\.1:\d+\/token rejected the credentials from secretRef \(HTTP 401 Unauthorized\)$/,
      ),
    });
  });
});
