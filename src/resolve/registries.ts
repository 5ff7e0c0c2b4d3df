import { formatList, packs } from './explain.js';
import type { ProblemSet } from './problems.js';

/**
 * A PackRegistry as the resolver needs it. `ready` is the caller's call: whether packs may be
 * resolved against the registry's catalogue now (its Ready condition, as the issue says).
 */
export interface RegistryState {
  name: string;
  ready: boolean;
  /** Reason and message of the registry's Ready condition, quoted when it is not ready. */
  reason?: string;
  message?: string;
  default: boolean;
}

/**
 * The registry a pack resolves against, or undefined after recording why there is none. A pack
 * that names no registry uses the one registry marked default; none or several is an error of the
 * profile, reported once for all packs that rely on it.
 */
export function chooseRegistry(
  pack: { name: string; registry?: string },
  registries: readonly RegistryState[],
  problems: ProblemSet,
): string | undefined {
  let name = pack.registry;
  if (name === undefined) {
    const defaults = registries
      .filter((r) => r.default)
      .map((r) => r.name)
      .sort();
    if (defaults.length === 0) {
      problems.addGrouped(
        'DefaultRegistryMissing',
        '',
        pack.name,
        (ps) => `${packs(ps)} ${ps.length === 1 ? 'names' : 'name'} no registry and no PackRegistry is marked default`,
      );
      return undefined;
    }
    if (defaults.length > 1) {
      problems.addGrouped(
        'DefaultRegistryAmbiguous',
        '',
        pack.name,
        (ps) =>
          `${packs(ps)} ${ps.length === 1 ? 'names' : 'name'} no registry and ${defaults.length} PackRegistries ` +
          `are marked default: ${formatList(defaults)}`,
      );
      return undefined;
    }
    name = defaults[0]!;
  }
  const registry = registries.find((r) => r.name === name);
  if (!registry?.ready) {
    problems.addGrouped(
      'RegistryNotReady',
      name,
      pack.name,
      (ps) => `registry ${name} (${packs(ps)}) ${notReady(registry)}`,
    );
    return undefined;
  }
  return name;
}

function notReady(registry: RegistryState | undefined): string {
  if (!registry) return 'not found';
  const why = [registry.reason, registry.message].filter((s) => s !== undefined && s !== '').join(': ');
  return why === '' ? 'is not ready' : `is not ready: ${why}`;
}
