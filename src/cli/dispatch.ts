import { readFileSync } from 'node:fs';
import { formatHelp, parseCommandArgs } from './args.js';
import { outdatedCommand } from './commands/outdated.js';
import { resolveCommand } from './commands/resolve.js';
import { searchCommand } from './commands/search.js';
import { validateCommand } from './commands/validate.js';
import type { CliContext, Command } from './context.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';

export const COMMANDS: readonly Command[] = [validateCommand, resolveCommand, searchCommand, outdatedCommand];

/** The package's version, read from the package.json next to build/ (or src/). */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function globalHelp(program: string): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length)) + 3;
  return [
    `Usage: ${program} COMMAND [flags]`,
    '',
    'Validate and resolve Packyard PackRegistries and ClusterProfiles offline: for GitOps pipelines, CI and kubectl.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary}`),
    '',
    'Flags:',
    '  -h, --help      Show this help; COMMAND --help shows the help of a command.',
    '  -v, --version   Print the version.',
    '',
    'Exit status: 0 ok, 1 invalid input or unresolvable profile, 2 usage error, 3 lock file out of date,',
    '4 registry or cluster unreachable.',
    '',
  ].join('\n');
}

/** Runs one command line; every error becomes a message on stderr and an exit code. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    ctx.err(globalHelp(ctx.program));
    return EXIT.USAGE;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const command = rest[0] === undefined ? undefined : COMMANDS.find((c) => c.spec.name === rest[0]);
    if (rest[0] !== undefined && !command) return usage(ctx, `unknown command "${rest[0]}"`);
    ctx.out(command ? formatHelp(ctx.program, command.spec) : globalHelp(ctx.program));
    return EXIT.OK;
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    ctx.out(`${cliVersion()}\n`);
    return EXIT.OK;
  }
  const command = COMMANDS.find((c) => c.spec.name === first);
  if (!command) return usage(ctx, first.startsWith('-') ? `unknown flag ${first} (flags go after the command)` : `unknown command "${first}"`);
  try {
    const { values, positionals } = parseCommandArgs(command.spec, rest);
    if (values.help === true) {
      ctx.out(formatHelp(ctx.program, command.spec));
      return EXIT.OK;
    }
    return await command.run(ctx, values, positionals);
  } catch (err) {
    ctx.progress.clear();
    if (!(err instanceof CliError)) throw err;
    if (err.exitCode === EXIT.USAGE) return usage(ctx, err.message, command.spec.name);
    ctx.err(`error: ${err.message}\n`);
    return err.exitCode;
  }
}

function usage(ctx: CliContext, message: string, command?: string): ExitCode {
  ctx.err(`error: ${message}\nRun '${ctx.program} ${command ? `${command} ` : ''}--help' for usage.\n`);
  return EXIT.USAGE;
}
