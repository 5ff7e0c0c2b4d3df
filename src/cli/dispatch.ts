import { packageVersion } from '../controller/package-version.js';
import { formatHelp, parseCommandArgs } from './args.js';
import { importCommand } from './commands/import.js';
import { outdatedCommand } from './commands/outdated.js';
import { packBuildCommand } from './commands/pack-build.js';
import { packLintCommand } from './commands/pack-lint.js';
import { packPushCommand } from './commands/pack-push.js';
import { resolveCommand } from './commands/resolve.js';
import { searchCommand } from './commands/search.js';
import { uiCommand } from './commands/ui.js';
import { validateCommand } from './commands/validate.js';
import { valuesCommand } from './commands/values.js';
import { verifyCommand } from './commands/verify.js';
import type { CliContext, Command } from './context.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';

/** Commands named with two words (`pack lint`) are subcommands of a group (`pack`). */
export const COMMANDS: readonly Command[] = [
  validateCommand,
  resolveCommand,
  searchCommand,
  valuesCommand,
  outdatedCommand,
  verifyCommand,
  importCommand,
  packLintCommand,
  packBuildCommand,
  packPushCommand,
  uiCommand,
];
const GROUPS = new Set(
  COMMANDS.map((c) => c.spec.name.split(' '))
    .filter((w) => w.length > 1)
    .map((w) => w[0]!),
);

/** The command an argument list names, and the arguments after its name. */
function findCommand(argv: readonly string[]): { command?: Command; rest: readonly string[]; group?: string } {
  const [first, second, ...more] = argv;
  if (first !== undefined && GROUPS.has(first)) {
    const command = COMMANDS.find((c) => c.spec.name === `${first} ${second}`);
    return command ? { command, rest: more } : { rest: argv.slice(1), group: first };
  }
  return { command: COMMANDS.find((c) => c.spec.name === first), rest: argv.slice(1) };
}

function groupHelp(program: string, group: string): string {
  const commands = COMMANDS.filter((c) => c.spec.name.startsWith(`${group} `));
  const width = Math.max(...commands.map((c) => c.spec.name.length)) + 3;
  return [
    `Usage: ${program} ${group} COMMAND [flags]`,
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary}`),
    '',
    `Run '${program} ${group} COMMAND --help' for the flags of a command.`,
    '',
  ].join('\n');
}

export function globalHelp(program: string): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length)) + 3;
  return [
    `Usage: ${program} COMMAND [flags]`,
    '',
    'Validate and resolve Packyard PackRegistries and ClusterProfiles offline: for GitOps pipelines, CI and kubectl.',
    'Author and publish Palette packs to any OCI registry: pack lint, pack build, pack push.',
    'Browse registries, the catalogue and profiles, and compose a profile, in a local web page: ui.',
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
    if (rest[0] === undefined) {
      ctx.out(globalHelp(ctx.program));
      return EXIT.OK;
    }
    const { command, group } = findCommand(rest);
    if (!command && !(group && rest.length === 1)) return usage(ctx, `unknown command "${rest.join(' ')}"`);
    ctx.out(command ? formatHelp(ctx.program, command.spec) : groupHelp(ctx.program, group!));
    return EXIT.OK;
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    ctx.out(`${packageVersion()}\n`);
    return EXIT.OK;
  }
  const found = findCommand(argv);
  const command = found.command;
  if (!command) {
    if (found.group !== undefined) {
      const sub = found.rest[0];
      if (sub === undefined || sub === '--help' || sub === '-h') {
        (sub === undefined ? ctx.err : ctx.out)(groupHelp(ctx.program, found.group));
        return sub === undefined ? EXIT.USAGE : EXIT.OK;
      }
      return usage(ctx, `unknown command "${found.group} ${sub}"`, found.group);
    }
    return usage(
      ctx,
      first.startsWith('-') ? `unknown flag ${first} (flags go after the command)` : `unknown command "${first}"`,
    );
  }
  try {
    const { values, positionals } = parseCommandArgs(command.spec, found.rest);
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
