/** One challenge of a `WWW-Authenticate` header, scheme lower-cased, parameter names lower-cased. */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const QUOTED = /"((?:[^"\\]|\\.)*)"/y;
const SPACE = /[\s,]*/y;
/** Unquoted values should be tokens; registries in the wild also send bare URLs, so read to the comma. */
const BARE = /[^\s,]+/y;

/**
 * Parses `WWW-Authenticate` (RFC 9110 §11.6.1), which may hold several challenges, each
 * `scheme param=value, param="quoted, value"`. A registry answers `Bearer realm=…,service=…,scope=…`
 * (token auth) or `Basic realm=…` (htpasswd). Unparseable rests are dropped, not fatal.
 */
export function parseChallenges(header: string | undefined): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  if (!header) return out;
  let pos = 0;
  const match = (re: RegExp) => {
    re.lastIndex = pos;
    const m = re.exec(header);
    if (m) pos = re.lastIndex;
    return m;
  };
  while (pos < header.length) {
    match(SPACE);
    const name = match(TOKEN)?.[0];
    if (!name) break;
    if (match(/\s*=\s*/y)) {
      const value = match(QUOTED)?.[1]?.replace(/\\(.)/g, '$1') ?? match(BARE)?.[0] ?? '';
      const current = out[out.length - 1];
      if (current) current.params[name.toLowerCase()] = value;
    } else {
      out.push({ scheme: name.toLowerCase(), params: {} });
    }
  }
  return out;
}

/** The challenge to answer: Bearer when offered (it carries the scope), else Basic, else none. */
export function preferredChallenge(header: string | undefined): AuthChallenge | undefined {
  const all = parseChallenges(header);
  return all.find((c) => c.scheme === 'bearer' && c.params.realm) ?? all.find((c) => c.scheme === 'basic');
}
