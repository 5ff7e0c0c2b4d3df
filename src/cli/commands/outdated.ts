import { ProblemSet } from '../../resolve/problems.js';
import { chooseRegistry } from '../../resolve/registries.js';
import { newestMatch, parseVersionExpression, type VersionExpression } from '../../resolve/version-expression.js';
import { HELP_OPTION, stringValue } from '../args.js';
import { fetchProfilesCatalogue, type Catalogue } from '../catalogue.js';
import type { Command } from '../context.js';
import { formatDiagnostic } from '../diagnostics.js';
import { EXIT, UsageError, worstExit, type ExitCode } from '../exit-codes.js';
import type { CliProfile } from '../inputs.js';
import { readLockFile, type ProfileLock } from '../lock-file.js';
import { formatJson, formatTable, formatYaml, NONE, parseOutputFormat } from '../output.js';
import { loadInputs, REGISTRY_OPTIONS } from '../registry-options.js';
import { problemDiagnostic } from '../resolution.js';

interface Row {
  profile: string;
  name: string;
  registry?: string;
  chart: string;
  version: string;
  /** The lock's version. */
  locked?: string;
  /** The newest version the pack's expression allows. */
  wanted?: string;
  /** The newest stable version of the pack. */
  latest?: string;
}

const LATEST = (parseVersionExpression('latest') as { ok: true; expression: VersionExpression }).expression;

export const outdatedCommand: Command = {
  spec: {
    name: 'outdated',
    summary: 'Compare locked versions with the newest allowed and the newest available',
    usage: 'PROFILE... (--registries FILE|DIR... | --from-cluster) [flags]',
    description: [
      'For every pack of the profiles: LOCKED, the version of the lock (--lock FILE, else the status.resolved',
      "in the profile's file, as `kubectl get cprof NAME -o yaml` prints it); WANTED, the newest version the",
      "pack's expression allows; LATEST, the newest stable version the registry offers.",
      '',
      'Exit status: 0 listed, 1 invalid input or a pack not found, 2 usage error, 4 a registry could not be reached.',
    ].join('\n'),
    options: {
      output: { type: 'string', short: 'o', value: 'FORMAT', description: 'table (default), yaml or json.' },
      lock: {
        type: 'string',
        value: 'FILE',
        description: 'Take locked versions from this lock file (written by resolve --lock).',
      },
      ...REGISTRY_OPTIONS,
      ...HELP_OPTION,
    },
    examples: [
      'outdated profiles/ -r registries/ --lock packyard.lock',
      'kubectl get cprof -A -o yaml | packyard outdated - --from-cluster',
    ],
  },

  async run(ctx, values, paths) {
    if (paths.length === 0) throw new UsageError('outdated needs at least one PROFILE file or directory');
    const format = parseOutputFormat(stringValue(values, 'output'));
    const lockPath = stringValue(values, 'lock');
    const inputs = await loadInputs(ctx, values, paths);
    if (inputs.diagnostics.length > 0) {
      for (const d of inputs.diagnostics) ctx.err(`${formatDiagnostic(d)}\n`);
      return EXIT.ERRORS;
    }
    if (inputs.profiles.length === 0) throw new UsageError(`no ClusterProfile found in ${paths.join(', ')}`);
    const locks = lockPath !== undefined ? readLockFile(lockPath) : new Map<string, ProfileLock>();
    const catalogue = await fetchProfilesCatalogue(inputs, ctx);

    const codes: ExitCode[] = catalogue.failures.length > 0 ? [EXIT.REGISTRY_UNREACHABLE] : [];
    const rows: Row[] = [];
    for (const profile of inputs.profiles) {
      const { rows: profileRows, problems } = compare(profile, catalogue, locks.get(profile.id));
      rows.push(...profileRows);
      for (const problem of problems.list()) ctx.err(`${formatDiagnostic(problemDiagnostic(profile, problem))}\n`);
      if (problems.size > 0) codes.push(EXIT.ERRORS);
    }

    if (format === 'table') {
      const several = inputs.profiles.length > 1;
      const headers = [...(several ? ['PROFILE'] : []), 'NAME', 'REGISTRY', 'EXPRESSION', 'LOCKED', 'WANTED', 'LATEST'];
      ctx.out(
        formatTable(
          headers,
          rows.map((r) => [
            ...(several ? [r.profile] : []),
            r.name,
            r.registry ?? NONE,
            r.version,
            r.locked ?? NONE,
            r.wanted ?? NONE,
            r.latest ?? NONE,
          ]),
        ),
      );
    } else {
      ctx.out(format === 'yaml' ? formatYaml(rows) : formatJson(rows));
    }
    return worstExit(...codes);
  },
};

/** One row per pack; registry choice and expressions exactly as the resolver reads them. */
function compare(
  profile: CliProfile,
  catalogue: Catalogue,
  lock: ProfileLock | undefined,
): { rows: Row[]; problems: ProblemSet } {
  const problems = new ProblemSet();
  const locked = lock?.resolved ?? profile.status?.resolved ?? [];
  const rows = profile.spec.packs.map((pack): Row => {
    const chart = pack.chart ?? pack.name;
    const row: Row = { profile: profile.id, name: pack.name, chart, version: pack.version ?? 'manifests' };
    const entry = locked.find((l) => l.name === pack.name);
    if (entry?.version !== undefined) row.locked = entry.version;
    // A manifest pack has no registry and nothing newer to offer.
    if (pack.manifests) return row;
    const registry = chooseRegistry(pack, catalogue.states, problems);
    if (registry === undefined) return row;
    row.registry = registry;
    const spec = catalogue.packs.get(`${registry}/${chart}`);
    if (!spec) {
      problems.add('PackNotFound', pack.name, `pack ${chart} not found in registry ${registry}`);
      return row;
    }
    const parsed = parseVersionExpression(pack.version ?? '');
    const wanted = parsed.ok ? newestMatch(parsed.expression, spec.versions) : undefined;
    const latest = newestMatch(LATEST, spec.versions);
    if (wanted) row.wanted = wanted.version;
    if (latest) row.latest = latest.version;
    return row;
  });
  return { rows, problems };
}
