// Reads an operator process's /metrics once per sample (the harness's metric() fetches per name).

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

export async function scrape(port: number, timeoutMs = 3_000): Promise<Sample[]> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  return parsePrometheusText(await res.text());
}

/** Sum of the samples named `name` whose labels include `labels`. */
export function sumOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);
}

/** Nearest-rank percentile of `values` (p in [0, 100]); undefined for none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/**
 * The upper bound of the histogram bucket that holds quantile `q` (0–1) of what `name` observed
 * between two scrapes of one process (`before` undefined: since it started), as PromQL's
 * histogram_quantile reads buckets, without interpolation. Undefined when nothing was observed.
 */
export function histogramQuantile(
  before: readonly Sample[] | undefined,
  after: readonly Sample[],
  name: string,
  q: number,
): number | undefined {
  const buckets = (samples: readonly Sample[] | undefined) =>
    new Map(
      (samples ?? [])
        .filter((s) => s.name === `${name}_bucket`)
        .map((s) => [s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), s.value]),
    );
  const start = buckets(before);
  const counts = [...buckets(after)]
    .map(([le, n]) => [le, n - (start.get(le) ?? 0)] as const)
    .sort(([a], [b]) => a - b);
  const total = counts.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  return counts.find(([, n]) => n >= q * total)?.[0];
}
