import { closestNames, formatList } from '../../resolve/explain.js';
import { newestMatch, parseVersionExpression } from '../../resolve/version-expression.js';
import { HELP_OPTION, stringValue } from '../args.js';
import { fetchCatalogue, formatFailure } from '../catalogue.js';
import type { Command } from '../context.js';
import { formatDiagnostic } from '../diagnostics.js';
import { CliError, EXIT, UsageError } from '../exit-codes.js';
import { loadInputs, REGISTRY_OPTIONS } from '../registry-options.js';
import { cliContentSource } from '../values-check.js';

export const valuesCommand: Command = {
  spec: {
    name: 'values',
    summary: "Print a pack version's default values (or its values schema, or its Palette presets)",
    usage: 'PACK[@VERSION] (--registries FILE|DIR... | --from-cluster) [flags]',
    description: [
      "Reads the version's chart or pack archive, as the operator does when it checks a profile's values (by",
      'digest, within the same limits, cached in $PACKYARD_CACHE/content or ~/.cache/packyard/content), and',
      "prints its values.yaml. VERSION is any version expression (default: latest). --schema prints the chart's",
      "values.schema.json and its subcharts' (or a Palette pack's schema.yaml); --presets a Palette pack's presets.yaml.",
      '',
      'Exit status: 0 printed, 1 no such pack or version, or nothing to print, 2 usage error, 4 a registry',
      '(or the cluster) could not be reached.',
    ].join('\n'),
    options: {
      registry: {
        type: 'string',
        value: 'NAME',
        description: 'The registry to read the pack from (default: the only one offering it, else the default one).',
      },
      schema: { type: 'boolean', description: 'Print the values schema instead of the defaults.' },
      presets: { type: 'boolean', description: "Print the Palette pack's presets instead of the defaults." },
      ...REGISTRY_OPTIONS,
      ...HELP_OPTION,
    },
    examples: [
      'values podinfo@6.7.0 -r registries/',
      'values web@^1 -r registries/ --schema',
      'values hello-universe -r registries/ --presets',
    ],
  },

  async run(ctx, values, positionals) {
    if (positionals.length !== 1) throw new UsageError('values needs exactly one PACK[@VERSION]');
    if (values.schema === true && values.presets === true)
      throw new UsageError('use either --schema or --presets, not both');
    const [name, expression = 'latest'] = splitAt(positionals[0]!);
    const parsed = parseVersionExpression(expression);
    if (!parsed.ok) throw new UsageError(`${positionals[0]}: ${parsed.error}`);
    const inputs = await loadInputs(ctx, values, []);
    if (inputs.diagnostics.length > 0) {
      for (const d of inputs.diagnostics) ctx.err(`${formatDiagnostic(d)}\n`);
      return EXIT.ERRORS;
    }
    const only = stringValue(values, 'registry');
    if (only !== undefined && !inputs.registries.some((r) => r.name === only))
      throw new UsageError(`no PackRegistry named ${only}`);
    const registries = only !== undefined ? inputs.registries.filter((r) => r.name === only) : inputs.registries;
    const catalogue = await fetchCatalogue(registries, new Set(registries.map((r) => r.name)), ctx);
    for (const f of catalogue.failures) ctx.err(`${formatFailure(f)}\n`);

    const offering = [...catalogue.packs.values()].filter((p) => p.name === name);
    const pack =
      offering.length === 1
        ? offering[0]
        : offering.find((p) => registries.find((r) => r.name === p.registry)?.spec.default === true);
    if (!pack) {
      if (catalogue.failures.length > 0) return EXIT.REGISTRY_UNREACHABLE;
      if (offering.length > 1)
        throw new UsageError(
          `${name} is in ${formatList(offering.map((p) => p.registry))}: choose one with --registry`,
        );
      const close = closestNames(
        name,
        [...catalogue.packs.values()].map((p) => p.name),
      );
      throw new CliError(`no pack ${name}${close.length ? `; did you mean ${formatList(close)}?` : ''}`);
    }
    const version = newestMatch(parsed.expression, pack.versions);
    if (!version)
      throw new CliError(
        `${name} ${expression} matches none of ${formatList(pack.versions.map((v) => v.version))} in ${pack.registry}`,
      );
    const registry = registries.find((r) => r.name === pack.registry)!;
    const files = await cliContentSource(ctx.env)
      .files({
        registry: { spec: registry.spec, credentials: registry.credentials().credentials },
        chart: name,
        version,
        signal: ctx.signal,
      })
      .catch((e: unknown) => {
        throw new CliError(`${name} ${version.version}: ${(e as Error).message}`);
      });
    ctx.err(`${name} ${version.version} from ${pack.registry}\n`);
    const text =
      values.schema === true
        ? schemaText(files.files, files.kind)
        : values.presets === true
          ? files.files['presets.yaml']
          : files.files['values.yaml'];
    if (text === undefined || text === '') {
      const what =
        values.schema === true
          ? 'values schema'
          : values.presets === true
            ? 'presets (it is not a Palette pack with presets.yaml)'
            : 'values.yaml';
      ctx.err(`${name} ${version.version} has no ${what}\n`);
      return EXIT.ERRORS;
    }
    ctx.out(text.endsWith('\n') ? text : `${text}\n`);
    return EXIT.OK;
  },
};

/** `name@expr`, split at the last @ (an expression never holds one). */
function splitAt(arg: string): [string, string?] {
  const at = arg.lastIndexOf('@');
  return at > 0 ? [arg.slice(0, at), arg.slice(at + 1)] : [arg];
}

/** A chart's values.schema.json, then each subchart's under a comment naming it; a pack's schema.yaml. */
function schemaText(files: Readonly<Record<string, string>>, kind: 'helm' | 'palette'): string | undefined {
  if (kind === 'palette') return files['schema.yaml'];
  const schemas = Object.keys(files)
    .filter((p) => p.endsWith('values.schema.json'))
    .sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));
  if (schemas.length === 0) return undefined;
  if (schemas.length === 1 && schemas[0] === 'values.schema.json') return files['values.schema.json'];
  return schemas.map((p) => `# ${p}\n${files[p]!.trimEnd()}\n`).join('');
}
