import {
  bodyExcerpt,
  formatBytes,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
  redact,
  safeUrl,
} from '../../src/sources/http-errors.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
  });
  it('clamps past dates to 0 and far futures to the cap', () => {
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('999999999', now)).toBe(MAX_RETRY_AFTER_MS);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('message helpers', () => {
  it('strips userinfo from URLs', () => {
    expect(safeUrl('https://u:p@example.com/a?b=1')).toBe('https://example.com/a?b=1');
    expect(safeUrl('not a url')).toBe('<invalid URL>');
  });
  it('formats limits exactly', () => {
    expect(formatBytes(64 * 1024 * 1024)).toBe('64 MiB');
    expect(formatBytes(1536)).toBe('1536 bytes');
  });
  it('makes a printable one-line excerpt', () => {
    expect(bodyExcerpt(Buffer.from('a\n\tb\u0000c'))).toBe('a b c');
    expect(bodyExcerpt(Buffer.from('x'.repeat(300)), 10)).toBe(`${'x'.repeat(10)}…`);
  });
  it('redacts every occurrence of every secret', () => {
    expect(redact('p and p and q', ['p', 'q', ''])).toBe('*** and *** and ***');
  });
});
