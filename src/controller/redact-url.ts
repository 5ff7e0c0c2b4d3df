// Query parameters that carry credentials in registry and object-store URLs (presigned ones too).
const SECRET_QUERY_PARAMS = new Set([
  'token',
  'access_token',
  'id_token',
  'refresh_token',
  'password',
  'passwd',
  'secret',
  'client_secret',
  'apikey',
  'api_key',
  'key',
  'sig',
  'signature',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'x-goog-signature',
  'x-goog-credential',
]);

/**
 * `url` without userinfo and with credential-bearing query values replaced: safe to log or put in a
 * status. A module of its own, so the registry sources' messages use it without loading the logger.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not parseable, so just make sure nothing that looks like userinfo survives (up to the last @,
    // as passwords are not always percent-encoded).
    return url.replace(/\/\/[^/?#\s]*@/g, '//');
  }
  parsed.username = '';
  parsed.password = '';
  for (const name of new Set(parsed.searchParams.keys())) {
    if (SECRET_QUERY_PARAMS.has(name.toLowerCase())) parsed.searchParams.set(name, 'REDACTED');
  }
  return parsed.toString();
}
