import { CLUSTERPROFILE_KIND } from '../../api/clusterprofile.js';
import { PACKREGISTRY_KIND } from '../../api/packregistry.js';
import { HELP_OPTION, listValue, stringValue, type ParsedValues } from '../args.js';
import { fetchProfilesCatalogue } from '../catalogue.js';
import type { CliContext, Command } from '../context.js';
import { loadInputs, REGISTRY_OPTIONS } from '../registry-options.js';
import { problemDiagnostic, resolveProfiles } from '../resolution.js';
import { withValues } from '../values-lazy.js';
import { diagnosticJson, formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { diagnoseObject } from '../object-checks.js';
import { isPackyardObject, loadObjects } from '../objects.js';
import { formatJson } from '../output.js';
import { plural } from '../../api/plural.js';

export const validateCommand: Command = {
  spec: {
    name: 'validate',
    summary: 'Check PackRegistries and ClusterProfiles in YAML files, offline',
    usage: 'PATH... [flags]',
    description: [
      'Checks every packyard.io object in the files and directories given (recursively: *.yaml and *.yml,',
      'multi-document files, kubectl List objects; kustomization files and other kinds are skipped) with the',
      "rules the CRDs enforce at admission (schema and CEL rules, from the same source) and the resolver's",
      'checks that need no registry: version expressions parse and values are YAML maps. `-` reads stdin.',
      'With --registries, each ClusterProfile is also resolved as `resolve` does and its effective values are',
      "validated against each chosen chart's values.schema.json (or Palette pack's schema.yaml and presets).",
      '',
      'Each problem is printed as file:line: Kind/name: field.path: message.',
      'Exit status: 0 all valid, 1 problems found, 2 usage error, 4 (with --registries) a registry could not be reached.',
    ].join('\n'),
    options: {
      output: { type: 'string', short: 'o', value: 'FORMAT', description: 'text (default) or json.' },
      registries: REGISTRY_OPTIONS.registries!,
      ...HELP_OPTION,
    },
    examples: [
      'validate deploy/',
      'validate clusters/prod/profile.yaml -o json',
      'kustomize build overlays/prod | packyard validate -',
      'validate profiles/ -r registries/',
    ],
  },

  async run(ctx, values, paths) {
    if (paths.length === 0) throw new UsageError('validate needs at least one PATH');
    const format = stringValue(values, 'output') ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--output must be text or json, not "${format}"`);
    const json = format === 'json';
    const { files, objects, errors } = loadObjects(paths);
    const checked = objects.filter(isPackyardObject);
    const diagnostics: Diagnostic[] = [...errors, ...checked.flatMap(diagnoseObject)];
    let unreachable = false;
    if (
      listValue(values, 'registries').length > 0 &&
      diagnostics.length === 0 &&
      checked.some((o) => o.kind === CLUSTERPROFILE_KIND)
    ) {
      unreachable = await resolveWithValues(ctx, values, paths, diagnostics);
    }
    const count = (kind: string) => checked.filter((o) => o.kind === kind).length;

    if (json) {
      ctx.out(
        formatJson({
          valid: diagnostics.length === 0,
          files: files.length,
          objects: checked.length,
          errors: diagnostics.map(diagnosticJson),
        }),
      );
    } else {
      for (const d of diagnostics) ctx.out(`${formatDiagnostic(d)}\n`);
      const what = `${plural(count(PACKREGISTRY_KIND), 'PackRegistry', 'PackRegistries')}, ${plural(count(CLUSTERPROFILE_KIND), 'ClusterProfile')}`;
      const others = checked.length - count(PACKREGISTRY_KIND) - count(CLUSTERPROFILE_KIND);
      const summary = `${what}${others > 0 ? `, ${plural(others, 'other packyard.io object')}` : ''} in ${plural(files.length, 'file')}`;
      ctx.err(
        diagnostics.length === 0 ? `valid: ${summary}\n` : `${plural(diagnostics.length, 'problem')}: ${summary}\n`,
      );
    }
    return unreachable ? EXIT.REGISTRY_UNREACHABLE : diagnostics.length === 0 ? EXIT.OK : EXIT.ERRORS;
  },
};

/** The resolver's and the values step's problems, as resolve reports them; true when a registry failed. */
async function resolveWithValues(
  ctx: CliContext,
  values: ParsedValues,
  paths: readonly string[],
  diagnostics: Diagnostic[],
): Promise<boolean> {
  const inputs = await loadInputs(ctx, values, paths);
  diagnostics.push(...inputs.diagnostics);
  if (inputs.diagnostics.length > 0) return false;
  const catalogue = await fetchProfilesCatalogue(inputs, ctx);
  const resolved = resolveProfiles(inputs.profiles, catalogue, inputs.valuesSources, new Map(), false);
  for (const outcome of await withValues(resolved, inputs.registries, inputs.valuesSources, ctx)) {
    if (!outcome.result.ok)
      diagnostics.push(...outcome.result.problems.map((p) => problemDiagnostic(outcome.profile, p)));
  }
  return catalogue.failures.length > 0;
}
