/** Parses a Go duration such as 1h30m, 90s or 1.5h into milliseconds (the CRD pattern admits only these units). */
export function parseGoDuration(text: string): number {
  const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let matched = '';
  for (const m of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) {
    total += Number(m[1]) * unitMs[m[2]!]!;
    matched += m[0];
  }
  if (!matched || matched !== text) throw new Error(`invalid duration "${text}"`);
  return total;
}
