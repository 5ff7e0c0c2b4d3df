/**
 * The CLI's exit codes, documented in docs/cli.md. When several apply, the first in this list wins:
 * a usage error stops everything, an unreachable registry makes every later answer unreliable, and
 * a lock can only be called out of date when everything resolved.
 */
export const EXIT = {
  OK: 0,
  /** Invalid objects, or profiles that do not resolve. */
  ERRORS: 1,
  /** Bad flags or arguments, missing files. */
  USAGE: 2,
  /** `resolve --check`: the lock file differs from what the profiles resolve to now. */
  LOCK_OUT_OF_DATE: 3,
  /** A registry could not be fetched (network, auth, TLS, unsupported type…). */
  REGISTRY_UNREACHABLE: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const PRIORITY: readonly ExitCode[] = [
  EXIT.USAGE,
  EXIT.REGISTRY_UNREACHABLE,
  EXIT.ERRORS,
  EXIT.LOCK_OUT_OF_DATE,
  EXIT.OK,
];

/** The code to exit with when several outcomes apply. */
export function worstExit(...codes: ExitCode[]): ExitCode {
  return PRIORITY.find((c) => codes.includes(c)) ?? EXIT.OK;
}

/** An error that ends the command with a message (no stack) and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.ERRORS,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad flags or arguments: exit 2, with a hint to --help. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.USAGE);
    this.name = 'UsageError';
  }
}
