/**
 * A one-line progress indicator on stderr, drawn only when both stdout and stderr are terminals
 * (so nothing but results reaches pipes, files and CI logs) and TERM is not dumb.
 */
export class Progress {
  private total = 0;
  private done = 0;
  private readonly active = new Set<string>();
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    readonly enabled: boolean = Boolean(process.stdout.isTTY && process.stderr.isTTY && process.env.TERM !== 'dumb'),
  ) {}

  start(total: number): void {
    this.total = total;
    this.done = 0;
    this.draw();
  }

  begin(label: string): void {
    this.active.add(label);
    this.draw();
  }

  end(label: string): void {
    this.active.delete(label);
    this.done++;
    this.draw();
  }

  /** Erases the line, leaving the terminal as it was. */
  clear(): void {
    if (this.enabled && this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }

  private draw(): void {
    if (!this.enabled || this.total === 0) return;
    const names = [...this.active].join(', ');
    const line = `fetching indexes ${this.done}/${this.total}${names ? `: ${names}` : ''}`;
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    this.stream.write(`\r\x1b[K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
    this.drawn = true;
  }
}
