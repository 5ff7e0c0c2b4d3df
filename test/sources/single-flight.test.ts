import { closeHttpAgents, httpGet } from '../../src/sources/http-client.js';
import { credentialKey, SingleFlight } from '../../src/sources/single-flight.js';
import { content, delay, startServer } from '../harness/http-server.js';

afterAll(() => closeHttpAgents());

describe('SingleFlight', () => {
  it('runs one call per key while it is in flight, then forgets it', async () => {
    const sf = new SingleFlight<string, number>();
    let calls = 0;
    const fn = async () => {
      const n = ++calls;
      await new Promise((r) => setTimeout(r, 20));
      return n;
    };
    const results = await Promise.all([sf.do('a', fn), sf.do('a', fn), sf.do('a', fn), sf.do('b', fn)]);
    expect(results).toEqual([1, 1, 1, 2]);
    expect(sf.size).toBe(0);
    expect(await sf.do('a', fn)).toBe(3);
  });

  it('shares a failure and does not keep it', async () => {
    const sf = new SingleFlight<string, string>();
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('boom');
    };
    const all = await Promise.allSettled([sf.do('k', failing), sf.do('k', failing)]);
    expect(all.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    expect(await sf.do('k', async () => 'ok')).toBe('ok');
  });

  it('dedups concurrent HTTP fetches of one URL with the same credentials into one request', async () => {
    const srv = await startServer({ routes: { '/index.yaml': delay(200, content('entries: {}')) } });
    try {
      const sf = new SingleFlight<string, Awaited<ReturnType<typeof httpGet>>>();
      const url = `${srv.url}/index.yaml`;
      const auth = { username: 'u', password: 'p' };
      const fetchOnce = (a: typeof auth) => sf.do(`${url} ${credentialKey(a)}`, () => httpGet(url, { auth: a }));
      const same = await Promise.all(Array.from({ length: 10 }, () => fetchOnce(auth)));
      expect(srv.count('/index.yaml')).toBe(1);
      expect(new Set(same).size).toBe(1);
      await Promise.all([fetchOnce(auth), fetchOnce({ username: 'u', password: 'other' })]);
      expect(srv.count('/index.yaml')).toBe(3);
    } finally {
      await srv.close();
    }
  });
});

describe('credentialKey', () => {
  it('is stable, distinguishes credentials and TLS identities, and does not contain the secret', () => {
    const k = credentialKey({ username: 'u', password: 'pa55word' });
    expect(k).toBe(credentialKey({ username: 'u', password: 'pa55word' }));
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(k).not.toContain('pa55word');
    expect(k).not.toBe(credentialKey({ username: 'u', password: 'other' }));
    expect(k).not.toBe(credentialKey({ token: 'pa55word' }));
    expect(credentialKey({ token: 't' }, { cert: 'A', key: 'B' })).not.toBe(
      credentialKey({ token: 't' }, { cert: 'C', key: 'D' }),
    );
    expect(credentialKey(undefined)).toBe('anonymous');
  });
});
