import picomatch from 'picomatch';
import type { PackSpec, PackVersion } from '../../api/pack.js';
import { closestNames, formatList } from '../../resolve/explain.js';
import { compareNewestFirst } from '../../resolve/version-expression.js';
import { HELP_OPTION, listValue, stringValue } from '../args.js';
import { fetchCatalogue, formatFailure } from '../catalogue.js';
import type { Command } from '../context.js';
import { formatDiagnostic } from '../diagnostics.js';
import { EXIT, UsageError, worstExit } from '../exit-codes.js';
import { formatJson, formatTable, formatYaml, NONE, parseOutputFormat, shortDigest } from '../output.js';
import { loadInputs, REGISTRY_OPTIONS } from '../registry-options.js';

interface Hit {
  pack: PackSpec;
  version: PackVersion;
}

export const searchCommand: Command = {
  spec: {
    name: 'search',
    summary: 'List the versions the registries offer for a pack, newest first',
    usage: 'NAME (--registries FILE|DIR... | --from-cluster) [flags]',
    description: [
      "Fetches the registries' indexes (as the operator syncs them, filters included) and lists every version of",
      'the pack (chart) NAME, newest first across registries. NAME may be a glob (cert-*).',
      '',
      'Exit status: 0 found, 1 no such pack, 2 usage error, 4 a registry (or the cluster) could not be reached.',
    ].join('\n'),
    options: {
      output: { type: 'string', short: 'o', value: 'FORMAT', description: 'table (default), yaml or json.' },
      registry: { type: 'string', multiple: true, value: 'NAME', description: 'Only search this registry.' },
      ...REGISTRY_OPTIONS,
      ...HELP_OPTION,
    },
    examples: [
      'search cilium --registries registries/',
      "search 'cert-*' -r registries.yaml -o json",
      'search podinfo --from-cluster',
    ],
  },

  async run(ctx, values, positionals) {
    if (positionals.length !== 1) throw new UsageError('search needs exactly one NAME');
    const name = positionals[0]!;
    const format = parseOutputFormat(stringValue(values, 'output'));
    const inputs = await loadInputs(ctx, values, []);
    if (inputs.diagnostics.length > 0) {
      for (const d of inputs.diagnostics) ctx.err(`${formatDiagnostic(d)}\n`);
      return EXIT.ERRORS;
    }
    const only = listValue(values, 'registry');
    const unknown = only.filter((r) => !inputs.registries.some((reg) => reg.name === r));
    if (unknown.length > 0) throw new UsageError(`no PackRegistry named ${unknown.join(', ')}`);
    const registries = only.length > 0 ? inputs.registries.filter((r) => only.includes(r.name)) : inputs.registries;
    const catalogue = await fetchCatalogue(registries, new Set(registries.map((r) => r.name)), ctx);
    for (const f of catalogue.failures) ctx.err(`${formatFailure(f)}\n`);

    const glob = picomatch.scan(name).isGlob;
    const matches = glob ? picomatch(name, { dot: true }) : (chart: string) => chart === name;
    const hits: Hit[] = [...catalogue.packs.values()]
      .filter((pack) => matches(pack.name))
      .flatMap((pack) => pack.versions.map((version) => ({ pack, version })))
      .sort(
        (a, b) =>
          compareNewestFirst(a.version, b.version) ||
          cmp(a.pack.registry, b.pack.registry) ||
          cmp(a.pack.name, b.pack.name),
      );

    if (hits.length === 0) {
      const names = [...catalogue.packs.values()].map((p) => p.name);
      const near = glob ? [] : closestNames(name, names).slice(0, 5);
      const searched = catalogue.states.filter((s) => s.ready).map((s) => s.name);
      ctx.err(
        `no pack ${glob ? 'matches' : 'named'} ${name} in ${searched.length > 0 ? `registries ${searched.join(', ')}` : 'any registry'}${near.length > 0 ? `; closest: ${formatList(near)}` : ''}\n`,
      );
      return worstExit(catalogue.failures.length > 0 ? EXIT.REGISTRY_UNREACHABLE : EXIT.OK, EXIT.ERRORS);
    }

    if (format === 'table') {
      const headers = [
        'REGISTRY',
        ...(glob ? ['CHART'] : []),
        'VERSION',
        'APPVERSION',
        'LAYER',
        'KUBEVERSION',
        'DIGEST',
      ];
      ctx.out(
        formatTable(
          headers,
          hits.map(({ pack, version: v }) => [
            pack.registry,
            ...(glob ? [pack.name] : []),
            v.deprecated ? `${v.version} (deprecated)` : v.version,
            v.appVersion ?? NONE,
            pack.layer ?? 'addon',
            v.kubeVersion ?? NONE,
            v.digest ? shortDigest(v.digest) : NONE,
          ]),
        ),
      );
    } else {
      const list = hits.map(({ pack, version }) => ({
        registry: pack.registry,
        chart: pack.name,
        layer: pack.layer,
        ...version,
      }));
      ctx.out(format === 'yaml' ? formatYaml(list) : formatJson(list));
    }
    return catalogue.failures.length > 0 ? EXIT.REGISTRY_UNREACHABLE : EXIT.OK;
  },
};

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
