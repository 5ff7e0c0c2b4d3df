import { parseArgs } from 'node:util';
import { UsageError } from './exit-codes.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder of the value in help, e.g. FILE. */
  value?: string;
  description: string;
}

export interface CommandSpec {
  name: string;
  /** One line, for the command list. */
  summary: string;
  /** Arguments after the command name, e.g. `PATH...`. */
  usage: string;
  /** Paragraphs printed under the usage line. */
  description: string;
  options: Record<string, OptionSpec>;
  examples: string[];
}

export type ParsedValues = Record<string, string | boolean | string[] | undefined>;

export const HELP_OPTION: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'Show this help.' },
};

/** Parses a command's arguments strictly: an unknown flag or a missing value is a usage error. */
export function parseCommandArgs(
  spec: CommandSpec,
  argv: readonly string[],
): { values: ParsedValues; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([name, o]) => [
      name,
      { type: o.type, ...(o.short && { short: o.short }), ...(o.multiple && { multiple: true }) },
    ]),
  );
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    return { values: values as ParsedValues, positionals };
  } catch (e) {
    // parseArgs' messages name the flag and say what is wrong; drop its advice about "--" for positionals.
    throw new UsageError(
      ((e as Error).message.split('\n')[0] ?? '').replace(/\. To specify a positional argument.*$/, ''),
    );
  }
}

export function stringValue(values: ParsedValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function listValue(values: ParsedValues, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** The command's --help text. */
export function formatHelp(program: string, spec: CommandSpec): string {
  const flags = Object.entries(spec.options).map(([name, o]) => {
    const short = o.short ? `-${o.short}, ` : '    ';
    const value = o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : '';
    return [`  ${short}--${name}${value}`, `${o.description}${o.multiple ? ' Repeatable.' : ''}`];
  });
  const width = Math.max(...flags.map(([f]) => f!.length)) + 2;
  return [
    `Usage: ${program} ${spec.name} ${spec.usage}`.trimEnd(),
    '',
    spec.description,
    '',
    'Options:',
    ...flags.map(([f, d]) => `${f!.padEnd(width)}${d}`),
    '',
    'Examples:',
    ...spec.examples.map((e) => `  ${program} ${e}`),
    '',
  ].join('\n');
}
