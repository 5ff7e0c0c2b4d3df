// Every benchmark prints its rows the same way: what we measured, its peer in the same run, the
// ratio of the two, the goal, and whether the goal is met. Timings on a shared machine are noisy, so
// the ratio against a peer measured alongside is what a goal is written against.

export interface BenchRow {
  /** What the row measures, e.g. "parse, IBM index (2.8 MiB)". */
  what: string;
  /** Our figure, with its unit, e.g. "412 ms". */
  measured: string;
  /** The peer's figure in the same run, or "—" when the goal is absolute. */
  peer: string;
  /** measured ÷ peer (or ÷ the limit), e.g. "0.21×". */
  ratio: string;
  /** The goal as the issue writes it, e.g. "≤ 0.25×". */
  goal: string;
  met: boolean;
}

/** A ratio as the rows show it. */
export function ratio(measured: number, peer: number): string {
  return `${(measured / peer).toFixed(2)}×`;
}

/** Prints rows as a Markdown table (readable in a terminal, pasteable into a note) and returns its text. */
export function printRows(title: string, rows: readonly BenchRow[]): string {
  const header = ['what', 'measured', 'peer', 'ratio', 'goal', 'met?'];
  const cells = rows.map((r) => [r.what, r.measured, r.peer, r.ratio, r.goal, r.met ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((s, i) => s.padEnd(widths[i]!)).join(' | ')} |`;
  const text = [title, line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join(
    '\n',
  );
  console.log(text);
  return text;
}

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
