import type { CommandSpec, ParsedValues } from './args.js';
import type { ExitCode } from './exit-codes.js';
import type { Progress } from './progress.js';
import type { PackSources } from '../sources/registry-sources.js';

/** What a command runs with: everything from outside the process, so tests and main can differ. */
export interface CliContext {
  /** `packyard`, or `kubectl packyard` when run as a kubectl plugin. */
  program: string;
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  progress: Progress;
  /** The operator's sources, loaded on first use (offline commands never need them). */
  sources(): Promise<PackSources>;
  signal: AbortSignal;
}

export interface Command {
  spec: CommandSpec;
  run(ctx: CliContext, values: ParsedValues, positionals: string[]): Promise<ExitCode>;
}
