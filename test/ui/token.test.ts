import type { IncomingMessage } from 'node:http';
import { newToken, presentedTokens, tokenMatches } from '../../src/ui/token.js';

const request = (url: string, headers: Record<string, string> = {}) => ({ url, headers }) as unknown as IncomingMessage;

describe('the UI token', () => {
  it('is 256 random bits, URL-safe, different each time', () => {
    const a = newToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(a);
  });

  it('is read from the query, a bearer header or the page cookie of this port only', () => {
    expect(presentedTokens(request('/?token=q'), 'packyard-ui-1')).toEqual(['q']);
    expect(presentedTokens(request('/', { authorization: 'Bearer b' }), 'packyard-ui-1')).toEqual(['b']);
    expect(
      presentedTokens(request('/', { cookie: 'other=x; packyard-ui-1=c=d; packyard-ui-2=e' }), 'packyard-ui-1'),
    ).toEqual(['c=d']);
    expect(presentedTokens(request('/'), 'packyard-ui-1')).toEqual([]);
  });

  it('matches only exactly', () => {
    const t = newToken();
    expect(tokenMatches(t, [t])).toBe(true);
    expect(tokenMatches(t, ['nope', t])).toBe(true);
    expect(tokenMatches(t, [t.slice(1)])).toBe(false);
    expect(tokenMatches(t, [`${t}x`])).toBe(false);
    expect(tokenMatches(t, [])).toBe(false);
  });
});
