import { compare } from 'semver';
import type { z } from 'zod';
import type {
  availableUpdate,
  ClusterProfileSpec,
  MinimumResources,
  ProfilePack,
  ResolvedPack,
} from '../api/clusterprofile.js';
import type { PackSpec, PackVersion } from '../api/pack.js';
import { dependencyProblems, upgradeProblem, type ProfileMember } from './dependencies.js';
import { closestNames, formatList } from './explain.js';
import { kubeVersionProblem } from './kube-version.js';
import { lockRevision } from './lock.js';
import { manifestDigest, manifestProblems } from './manifests.js';
import { ProblemSet, summarize, type ResolveProblem, type ResolveReason } from './problems.js';
import { chooseRegistry, type RegistryState } from './registries.js';
import { minimumResources } from './resources.js';
import { checkValues, type ValuesSourceLookup } from './values.js';
import { admitted, DEFAULT_VERIFICATION, refusedMessage } from './verification.js';
import {
  compareNewestFirst,
  matches,
  newestMatch,
  parseVersion,
  parseVersionExpression,
  sortNewestFirst,
  type VersionExpression,
} from './version-expression.js';

export type AvailableUpdate = z.infer<typeof availableUpdate>;

/** Pack specs of every registry, as an informer cache would index them. */
export interface PackCatalog {
  get(registry: string, chart: string): PackSpec | undefined;
  /** Names of the registry's packs, for "it offers: …" when one is missing. */
  names(registry: string): Iterable<string>;
}

/** A PackCatalog, or a Map keyed `<registry>/<chart>` (the Pack spec's registry and name). */
export type PackLookup = PackCatalog | ReadonlyMap<string, PackSpec>;

export interface ResolveInput {
  profile: { spec: ClusterProfileSpec; namespace: string };
  packs: PackLookup;
  registries: readonly RegistryState[];
  valuesSources: ValuesSourceLookup;
  /** The previous `status.resolved`: what Manual keeps. */
  lock?: readonly ResolvedPack[];
  /** Defaults to the spec's updatePolicy (Auto when unset). */
  updatePolicy?: 'Auto' | 'Manual';
  /** The update-requested annotation has a value not yet handled: resolve as Auto this once. */
  updateRequested: boolean;
  /** Not read by the current rules (resolution depends on the catalogue only); accepted so callers pass their clock. */
  now?: Date;
}

export type ResolveResult =
  | {
      ok: true;
      resolved: ResolvedPack[];
      revision: string;
      updatesAvailable: AvailableUpdate[];
      /** Summed Palette resource constraints of the chosen versions; unset when none declares any. */
      minimumResources?: MinimumResources;
      /** Effective values by pack name, once withEffectiveValues has run (never written to status). */
      values?: ReadonlyMap<string, Record<string, unknown>>;
    }
  | { ok: false; reason: ResolveReason; message: string; problems: ResolveProblem[] };

interface Picked {
  pack: ProfilePack;
  label: string;
  registry: string;
  chart: string;
  expr: VersionExpression;
  versions: readonly PackVersion[];
  chosen: PackVersion;
}

/**
 * Resolves every pack of a profile to one exact version, or fails as a whole. Every problem is
 * collected; the result names the most fundamental reason and a message listing them all.
 */
export function resolveProfile(input: ResolveInput): ResolveResult {
  const { spec, namespace } = input.profile;
  const catalog = asCatalog(input.packs);
  const manual = !input.updateRequested && (input.updatePolicy ?? spec.updatePolicy ?? 'Auto') === 'Manual';
  const problems = new ProblemSet();
  const picked: Picked[] = [];
  const updatesAvailable: AvailableUpdate[] = [];
  const policy = spec.verification ?? DEFAULT_VERIFICATION;

  for (const pack of spec.packs) {
    for (const message of checkValues(pack, namespace, input.valuesSources))
      problems.add('InvalidValues', pack.name, message);
    // A manifest pack needs no registry: its content is its version, and it must be Kubernetes objects.
    if (pack.manifests) {
      for (const { name, content } of pack.manifests) {
        for (const p of manifestProblems(name, content))
          problems.add(
            'InvalidManifests',
            pack.name,
            `${pack.name}: manifest ${name}, line ${p.line}: ${p.field ? `${p.field} ` : ''}${p.message}`,
          );
      }
      continue;
    }
    const registry = chooseRegistry(pack, input.registries, problems);
    if (registry === undefined) continue;
    const chart = pack.chart ?? pack.name;
    const label = chart === pack.name ? pack.name : `${pack.name} (chart ${chart})`;
    const packSpec = catalog.get(registry, chart);
    if (!packSpec) {
      const offers = closestNames(chart, catalog.names(registry));
      const tail = offers.length ? `it offers: ${formatList(offers)}` : 'it offers no packs';
      problems.add('PackNotFound', pack.name, `pack ${label} not found in registry ${registry}; ${tail}`);
      continue;
    }
    // A Palette pack belongs to its layer; a chart that declares none (addon) may fill any.
    if (packSpec.layer !== 'addon' && packSpec.layer !== pack.layer) {
      problems.add(
        'LayerMismatch',
        pack.name,
        `pack ${label} in registry ${registry} is a ${packSpec.layer} pack, placed in layer ${pack.layer}`,
      );
      continue;
    }
    const parsed = parseVersionExpression(pack.version ?? '');
    if (!parsed.ok) {
      problems.add('NoMatchingVersion', pack.name, `${label}: ${parsed.error}`);
      continue;
    }
    const expr = parsed.expression;
    if (!newestMatch(expr, packSpec.versions)) {
      problems.add('NoMatchingVersion', pack.name, noMatch(label, expr, packSpec.versions, registry));
      continue;
    }
    // Versions the verification policy refuses are not there for the lock: not chosen, not kept.
    const versions = admitted(policy, packSpec.versions);
    const newest = newestMatch(expr, versions);
    if (!newest) {
      problems.add('VerificationFailed', pack.name, refusedMessage(label, expr, packSpec.versions, policy, registry));
      continue;
    }
    const entry = lockEntry(input.lock, pack.name, registry, chart);
    const step = lockStep({ name: pack.name, chart, label, expr, versions, newest, entry, manual });
    if (step.update) updatesAvailable.push(step.update);
    if (!step.chosen) {
      problems.add('UpgradeNotSupported', pack.name, step.problem!);
      continue;
    }
    picked.push({ pack, label, registry, chart, expr, versions, chosen: step.chosen });
  }

  // Cross-pack checks need the chosen versions; packs that failed above are left out of them.
  const k8sPack = spec.packs.find((p) => p.layer === 'k8s');
  const k8s = k8sPack && picked.find((p) => p.pack === k8sPack);
  if (k8s) {
    for (const p of picked) {
      const message = kubeVersionProblem(p, { pack: k8s.pack.name, version: k8s.chosen.version });
      if (message) problems.add('IncompatibleKubeVersion', p.pack.name, message);
    }
  }
  const members: ProfileMember[] = spec.packs.map((pack) => ({
    name: pack.name,
    chart: pack.chart ?? pack.name,
    layer: pack.layer,
    chosen: picked.find((p) => p.pack === pack)?.chosen,
  }));
  for (const { pack, message } of dependencyProblems(members)) problems.add('DependencyNotMet', pack, message);

  if (problems.size > 0) {
    const list = problems.list();
    return { ok: false, reason: list[0]!.reason, message: summarize(list), problems: list };
  }
  const resolved = spec.packs.map((pack) => {
    const p = picked.find((q) => q.pack === pack);
    return p ? toResolved(p) : { name: pack.name, layer: pack.layer, digest: manifestDigest(pack.manifests ?? []) };
  });
  const resources = minimumResources(picked.map((p) => p.chosen));
  return {
    ok: true,
    resolved,
    revision: lockRevision(resolved),
    updatesAvailable,
    ...(resources && { minimumResources: resources }),
  };
}

interface LockStepInput {
  name: string;
  chart: string;
  label: string;
  expr: VersionExpression;
  versions: readonly PackVersion[];
  /** The newest match of the expression. */
  newest: PackVersion;
  /** The lock's entry for this pack, when it still describes it. */
  entry: ResolvedPack | undefined;
  manual: boolean;
}

/**
 * What the lock does for one pack. Manual keeps the locked version while it still matches and
 * lists the newest match as an update (with a note when its upgrade rule excludes the lock).
 * Otherwise the lock moves to the newest match, but only along an upgrade path: when the newest
 * match's `upgrade` rule excludes the locked version, nothing is chosen and `problem` says why.
 */
function lockStep(s: LockStepInput): { chosen?: PackVersion; update?: AvailableUpdate; problem?: string } {
  const upgrade = (to: PackVersion, from: string) =>
    newer(to.version, from) ? upgradeProblem({ name: s.name, chart: s.chart }, to, from) : undefined;
  const way = (from: string) => steppingStone(s.label, s.expr, s.versions, from, upgrade);
  const locked = s.manual && s.entry ? lockedVersion(s.entry, s.expr, s.versions) : undefined;
  if (locked) {
    if (!newer(s.newest.version, locked.version)) return { chosen: locked };
    const why = upgrade(s.newest, locked.version);
    const note = why && `UpgradeNotSupported: ${why}${way(locked.version)}`;
    return {
      chosen: locked,
      update: { name: s.name, current: locked.version, available: s.newest.version, ...(note && { note }) },
    };
  }
  const from = s.entry?.version;
  const why = from === undefined ? undefined : upgrade(s.newest, from);
  return why ? { problem: `${why}; the lock is kept${way(from!)}` } : { chosen: s.newest };
}

/** `to` is a newer version than `from` (both read as versions; otherwise not an upgrade). */
function newer(to: string, from: string): boolean {
  const a = parseVersion(to);
  const b = parseVersion(from);
  return !!a && !!b && compare(a, b) > 0;
}

/** "; pin X first" when a version the expression allows can be upgraded to from the lock: the way forward. */
function steppingStone(
  label: string,
  expr: VersionExpression,
  versions: readonly PackVersion[],
  from: string,
  upgrade: (to: PackVersion, from: string) => string | undefined,
): string {
  const next = newestMatch(
    expr,
    versions.filter((v) => newer(v.version, from) && !upgrade(v, from)),
  );
  return next
    ? `; ${label} ${next.version} can be upgraded to from ${from}: pin it first, then ${expr.text} again`
    : `; no newer ${expr.text} version of ${label} can be upgraded to from ${from}`;
}

/** The registry and chart of every pack, default registry unresolved: what a profile depends on, for indexing. */
export function profileReferences(spec: ClusterProfileSpec): { name: string; registry?: string; chart: string }[] {
  return spec.packs
    .filter((p) => !p.manifests)
    .map((p) => ({
      name: p.name,
      ...(p.registry !== undefined && { registry: p.registry }),
      chart: p.chart ?? p.name,
    }));
}

/** The lock's entry for this pack while it still describes it (same registry and chart). */
function lockEntry(
  lock: readonly ResolvedPack[] | undefined,
  name: string,
  registry: string,
  chart: string,
): ResolvedPack | undefined {
  const entry = lock?.find((l) => l.name === name);
  return entry && entry.registry === registry && entry.chart === chart ? entry : undefined;
}

/**
 * Manual keeps the locked version while the expression still allows it and the registry still
 * lists it; anything else re-resolves.
 */
function lockedVersion(
  entry: ResolvedPack,
  expr: VersionExpression,
  versions: readonly PackVersion[],
): PackVersion | undefined {
  if (entry.version === undefined || !matches(expr, entry.version)) return undefined;
  return versions.filter((v) => v.version === entry.version).sort(compareNewestFirst)[0];
}

function noMatch(label: string, expr: VersionExpression, versions: readonly PackVersion[], registry: string): string {
  const sorted = sortNewestFirst(versions);
  if (sorted.length === 0) return `${label} ${expr.text} matches no version in ${registry}: it lists none`;
  const pre = sorted.find((v) => matches(expr, v.version, { includePrerelease: true }));
  const hint = pre
    ? ` (prerelease ${pre.version} would, but prereleases are chosen only when the expression names one)`
    : '';
  return `${label} ${expr.text} matches none of ${formatList(sorted.map((v) => v.version))} in ${registry}${hint}`;
}

/** The lock entry: only fields that are set, so equal locks serialise equally. */
function toResolved(p: Picked): ResolvedPack {
  const { appVersion, digest, urls, deprecated, verification } = p.chosen;
  return {
    name: p.pack.name,
    layer: p.pack.layer,
    registry: p.registry,
    chart: p.chart,
    version: p.chosen.version,
    ...(appVersion !== undefined && { appVersion }),
    ...(digest !== undefined && { digest }),
    ...(urls?.[0] !== undefined && { url: urls[0] }),
    ...(deprecated === true && { deprecated }),
    ...(verification && { verification: lockedVerification(verification) }),
  };
}

/** How the chosen version was verified, without the reason (which may change with no change of the lock). */
function lockedVerification({
  state,
  signer,
  method,
}: NonNullable<PackVersion['verification']>): NonNullable<ResolvedPack['verification']> {
  return { state, ...(signer !== undefined && { signer }), ...(method !== undefined && { method }) };
}

function asCatalog(packs: PackLookup): PackCatalog {
  if ('names' in packs) return packs;
  return {
    get: (registry, chart) => packs.get(`${registry}/${chart}`),
    *names(registry) {
      const prefix = `${registry}/`;
      for (const key of packs.keys()) if (key.startsWith(prefix)) yield key.slice(prefix.length);
    },
  };
}
