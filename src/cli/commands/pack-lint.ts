import { HELP_OPTION, stringValue } from '../args.js';
import type { Command } from '../context.js';
import { diagnosticJson, formatDiagnostic } from '../diagnostics.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { isProblem } from '../pack-lint.js';
import { formatJson } from '../output.js';
import { lintPackDirectory } from '../pack-input.js';
import { plural } from '../../api/plural.js';

export const packLintCommand: Command = {
  spec: {
    name: 'pack lint',
    summary: "Check a Palette pack directory against Palette's pack schema, and more",
    usage: 'DIR [flags]',
    description: [
      "Checks a pack directory: pack.json against Palette's own pack schema (pack-central's validator/pack-schema.json),",
      'then what the schema cannot say: the layer is one Packyard knows; the name and version can be an OCI repository',
      'and tag the registry sync reads; dependency minVersion/maxVersion parse as the resolver reads them; every chart',
      'listed exists and is a Helm chart archive; every manifest listed without template actions ({{ }}, which Palette',
      'renders with the values first) is Kubernetes YAML; values.yaml (required), presets.yaml and schema.yaml parse as',
      'YAML maps. A chart not named <name>-<version>.tgz after its Chart.yaml, or missing from values.yaml',
      'pack.content.charts, is a warning: Palette deploys it as it is.',
      '',
      'A directory that cannot be a pack is refused with the reason: a symlink out of it, a file over 100 MiB,',
      'more than 256 MiB in all, more than 10,000 entries. Hidden files (.git, .helmignore) are not part of a pack.',
      '',
      'Each problem is printed as file:line: field: message, each warning as file:line: field: warning: message.',
      'Exit status: 0 valid, 1 problems found (or the directory is refused), 2 usage error.',
    ].join('\n'),
    options: {
      output: { type: 'string', short: 'o', value: 'FORMAT', description: 'text (default) or json.' },
      ...HELP_OPTION,
    },
    examples: ['pack lint packs/hello-universe', 'pack lint packs/hello-universe -o json'],
  },

  async run(ctx, values, positionals) {
    if (positionals.length !== 1) throw new UsageError('pack lint needs exactly one DIR');
    const format = stringValue(values, 'output') ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--output must be text or json, not "${format}"`);
    const dir = positionals[0]!;
    const { diagnostics, pack, entries } = await lintPackDirectory(dir);
    const problems = diagnostics.filter(isProblem);
    const warnings = diagnostics.filter((d) => !isProblem(d));
    if (format === 'json') {
      ctx.out(
        formatJson({
          valid: problems.length === 0,
          ...(pack && { name: pack.name, version: pack.version }),
          files: entries.length,
          errors: problems.map(diagnosticJson),
          warnings: warnings.map(diagnosticJson),
        }),
      );
    } else {
      for (const d of diagnostics) ctx.out(`${formatDiagnostic(d)}\n`);
      const n = problems.length;
      const advice = warnings.length > 0 ? `, ${plural(warnings.length, 'warning')}` : '';
      ctx.err(
        n === 0
          ? `valid: ${pack!.name} ${pack!.version} (${entries.length} files and directories${advice})\n`
          : `${plural(n, 'problem')}${advice} in ${dir}\n`,
      );
    }
    return problems.length === 0 ? EXIT.OK : EXIT.ERRORS;
  },
};
