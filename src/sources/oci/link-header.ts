/**
 * The `rel="next"` target of an RFC 8288 `Link` header, resolved against the URL that answered
 * (registries send `</v2/_catalog?last=x&n=100>; rel="next"`). Undefined when there is none.
 */
export function nextLink(header: string | undefined, base: string): string | undefined {
  if (!header) return undefined;
  for (const m of header.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]*)*)/g)) {
    const rels = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(m[2] ?? '');
    const rel = rels?.[1] ?? rels?.[2] ?? '';
    if (rel.toLowerCase().split(/\s+/).includes('next')) return URL.parse(m[1]!, base)?.href;
  }
  return undefined;
}
