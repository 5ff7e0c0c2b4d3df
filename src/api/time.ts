/**
 * metav1.Time: RFC 3339 at whole seconds. Writing what Go controllers and kubectl write keeps a
 * status byte-identical to theirs, and an unchanged status serialises the same every time.
 */
export function rfc3339(at: Date | number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime (Events, Leases): RFC 3339 with microseconds. */
export function rfc3339Micro(at: Date | number): string {
  return new Date(at).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The value if it is an RFC 3339 time, as the CRDs' date-time format requires; else undefined. */
export function readRfc3339(value: unknown): string | undefined {
  return typeof value === 'string' && RFC3339.test(value) && !Number.isNaN(Date.parse(value)) ? value : undefined;
}

/** The time in milliseconds if the value is one readRfc3339 takes; else NaN. */
export function rfc3339Millis(value: unknown): number {
  return typeof value === 'string' && RFC3339.test(value) ? Date.parse(value) : Number.NaN;
}
