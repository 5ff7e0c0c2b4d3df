import { HELP_OPTION, stringValue } from '../args.js';
import { fetchProfilesCatalogue } from '../catalogue.js';
import type { Command } from '../context.js';
import { formatDiagnostic } from '../diagnostics.js';
import { EXIT, UsageError, worstExit, type ExitCode } from '../exit-codes.js';
import { diffLocks, orderedLock, readLockFile, writeLockFile, type ProfileLock } from '../lock-file.js';
import { formatJson, formatTable, formatYamlStream, NONE, parseOutputFormat, shortDigest } from '../output.js';
import { loadInputs, REGISTRY_OPTIONS } from '../registry-options.js';
import { lockOf, problemDiagnostic, resolveProfiles } from '../resolution.js';
import { plural } from '../../api/plural.js';
import { withValues } from '../values-lazy.js';

export const resolveCommand: Command = {
  spec: {
    name: 'resolve',
    summary: 'Resolve ClusterProfiles to exact versions and digests, as the operator would',
    usage: 'PROFILE... (--registries FILE|DIR... | --from-cluster) [flags]',
    description: [
      "Fetches the index of every registry the profiles use, directly, with the operator's own sources, and",
      "resolves each ClusterProfile in the files or directories given with the operator's resolver: the lock",
      'printed is what the operator would write into status.resolved and status.revision.',
      '',
      'Credentials of a registry NAME come from PACKYARD_REGISTRY_<NAME>_USERNAME and _PASSWORD, or _TOKEN',
      '(NAME upper-cased, other characters than A-Z and 0-9 as _), or the docker config',
      "($DOCKER_CONFIG/config.json, ~/.docker/config.json); with --from-cluster, from the registry's Secrets.",
      '',
      "Each chosen version's chart or pack files are read (by digest, cached in $PACKYARD_CACHE/content or",
      '~/.cache/packyard/content) and its effective values validated and digested, as the operator does.',
      '',
      'A Manual profile keeps the versions of its lock (--lock/--check file, or the status.resolved in its',
      'file) while they still match, as the operator does; --update takes the newest matches instead.',
      '',
      'Exit status: 0 resolved, 1 invalid input or a profile does not resolve, 2 usage error,',
      '3 --check found the lock file out of date, 4 a registry (or the cluster) could not be reached.',
    ].join('\n'),
    options: {
      output: {
        type: 'string',
        short: 'o',
        value: 'FORMAT',
        description: 'table (default), yaml or json: the lock {profile, revision, resolved}.',
      },
      lock: {
        type: 'string',
        value: 'FILE',
        description: 'Write the lock of every profile to FILE (YAML, stable order).',
      },
      check: {
        type: 'string',
        value: 'FILE',
        description: 'Compare with the lock FILE; exit 3 and list the changes when it is out of date.',
      },
      update: {
        type: 'boolean',
        description: 'Take the newest matches for Manual profiles too (like packyard.io/update-requested-at).',
      },
      values: {
        type: 'boolean',
        description: "Print each pack's effective values (YAML, one document per pack) instead of the lock.",
      },
      ...REGISTRY_OPTIONS,
      ...HELP_OPTION,
    },
    examples: [
      'resolve profiles/ --registries registries/',
      'resolve profiles/edge.yaml -r registries.yaml -o yaml',
      'resolve profiles/ -r registries/ --lock packyard.lock',
      'resolve profiles/ -r registries/ --check packyard.lock',
      'resolve profile.yaml --from-cluster -n packyard-system',
      'resolve profiles/edge.yaml -r registries/ --values',
    ],
  },

  async run(ctx, values, paths) {
    if (paths.length === 0) throw new UsageError('resolve needs at least one PROFILE file or directory');
    const lockPath = stringValue(values, 'lock');
    const checkPath = stringValue(values, 'check');
    if (lockPath !== undefined && checkPath !== undefined)
      throw new UsageError('use either --lock or --check, not both');
    const format = parseOutputFormat(stringValue(values, 'output'));

    const inputs = await loadInputs(ctx, values, paths);
    if (inputs.diagnostics.length > 0) {
      for (const d of inputs.diagnostics) ctx.err(`${formatDiagnostic(d)}\n`);
      return EXIT.ERRORS;
    }
    if (inputs.profiles.length === 0) throw new UsageError(`no ClusterProfile found in ${paths.join(', ')}`);
    const previous =
      checkPath !== undefined
        ? readLockFile(checkPath)
        : lockPath !== undefined
          ? readLockFile(lockPath, true)
          : new Map<string, ProfileLock>();

    const catalogue = await fetchProfilesCatalogue(inputs, ctx);

    const resolved = resolveProfiles(
      inputs.profiles,
      catalogue,
      inputs.valuesSources,
      previous,
      values.update === true,
    );
    const outcomes = await withValues(resolved, inputs.registries, inputs.valuesSources, ctx);
    const locks: ProfileLock[] = [];
    for (const outcome of outcomes) {
      const lock = lockOf(outcome);
      if (lock) locks.push(lock);
      if (!outcome.result.ok) {
        for (const problem of outcome.result.problems)
          ctx.err(`${formatDiagnostic(problemDiagnostic(outcome.profile, problem))}\n`);
      } else {
        if (outcome.result.updatesAvailable.length > 0) {
          const held = outcome.result.updatesAvailable
            .map((u) => `${u.name} ${u.current} -> ${u.available}${u.note ? ` (${u.note})` : ''}`)
            .join(', ');
          ctx.err(
            `note: ${outcome.profile.id} (updatePolicy Manual) keeps its locked versions; newer: ${held}; --update takes them\n`,
          );
        }
        const deprecated = outcome.result.resolved.filter((r) => r.deprecated).map((r) => `${r.name} ${r.version}`);
        if (deprecated.length > 0)
          ctx.err(`note: ${outcome.profile.id}: deprecated by the publisher: ${deprecated.join(', ')}\n`);
      }
    }

    if (values.values === true) {
      const docs = outcomes.flatMap((o) =>
        o.result.ok
          ? o.profile.spec.packs
              .filter((p) => o.result.ok && o.result.values?.has(p.name))
              .map((p) => ({
                profile: o.profile.id,
                pack: p.name,
                values: (o.result as { values: ReadonlyMap<string, unknown> }).values.get(p.name),
              }))
          : [],
      );
      if (docs.length > 0) ctx.out(format === 'json' ? formatJson(docs) : formatYamlStream(docs));
    } else if (locks.length > 0) {
      if (format === 'table') ctx.out(lockTable(locks));
      else if (format === 'yaml') ctx.out(formatYamlStream(locks.map(orderedLock)));
      else ctx.out(formatJson(locks.length === 1 ? orderedLock(locks[0]!) : locks.map(orderedLock)));
    }

    const codes: ExitCode[] = [];
    if (catalogue.failures.length > 0) codes.push(EXIT.REGISTRY_UNREACHABLE);
    if (locks.length < outcomes.length) codes.push(EXIT.ERRORS);
    const complete = codes.length === 0;
    if (lockPath !== undefined) {
      if (complete) {
        writeLockFile(lockPath, locks);
        ctx.err(`wrote ${lockPath} (${plural(locks.length, 'profile')})\n`);
      } else {
        ctx.err(`${lockPath} not written: not every profile resolved\n`);
      }
    }
    if (checkPath !== undefined && complete) {
      const changes = diffLocks(previous, locks);
      if (changes.length === 0) {
        ctx.err(`${checkPath} is up to date (${plural(locks.length, 'profile')})\n`);
      } else {
        ctx.err(
          `${checkPath} is out of date:\n${changes.map((l) => `  ${l}\n`).join('')}update it with: ${ctx.program} resolve ... --lock ${checkPath}\n`,
        );
        codes.push(EXIT.LOCK_OUT_OF_DATE);
      }
    }
    return worstExit(...codes);
  },
};

function lockTable(locks: readonly ProfileLock[]): string {
  const several = locks.length > 1;
  const headers = [
    ...(several ? ['PROFILE'] : []),
    'NAME',
    'LAYER',
    'REGISTRY',
    'CHART',
    'VERSION',
    'APPVERSION',
    'DIGEST',
  ];
  const rows = locks.flatMap((lock) =>
    lock.resolved.map((r) => [
      ...(several ? [lock.profile] : []),
      r.name,
      r.layer,
      r.registry ?? NONE,
      r.chart ?? (r.version === undefined ? 'manifests' : NONE),
      r.version ?? NONE,
      r.appVersion ?? NONE,
      r.digest ? shortDigest(r.digest) : NONE,
    ]),
  );
  return formatTable(headers, rows);
}
