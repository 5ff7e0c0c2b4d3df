import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** 256 random bits, URL-safe: the only key to the page, printed once in its URL. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The token a request carries: `?token=` (the printed URL), `Authorization: Bearer`, or the
 * cookie the page sets so its own scripts, module imports and event stream carry it too.
 */
export function presentedTokens(req: IncomingMessage, cookieName: string): string[] {
  const found: string[] = [];
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  if (query) found.push(query);
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) found.push(auth.slice('Bearer '.length));
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === cookieName) found.push(value.join('='));
  }
  return found;
}

/** Compared in constant time, so response timing tells nothing about how much of a guess was right. */
export function tokenMatches(expected: string, presented: readonly string[]): boolean {
  const want = Buffer.from(expected);
  return presented.some((t) => {
    const got = Buffer.from(t);
    return got.length === want.length && timingSafeEqual(got, want);
  });
}
