import type { PackVersion } from '../api/pack.js';
import { matches, newestMatch, parseRange, parseVersion, type VersionExpression } from './version-expression.js';

/**
 * Whether a chart's `kubeVersion` constraint (Helm's Chart.yaml field, e.g. `>=1.25.0-0`) admits
 * the Kubernetes version. Prereleases are included here: the k8s version is a given, not a
 * candidate to choose, and vendor versions such as `1.27.3-gke.100` are prereleases to SemVer (the
 * reason charts write `-0`). An unset constraint admits everything.
 */
export function kubeVersionAllows(constraint: string | undefined, k8sVersion: string): boolean | 'invalid' {
  if (constraint === undefined || constraint.trim() === '') return true;
  const range = parseRange(constraint, true);
  if (!range) return 'invalid';
  const k8s = parseVersion(k8sVersion);
  return k8s !== undefined && range.test(k8s);
}

export interface KubeCheck {
  /** How messages name the pack, e.g. `cilium` or `cni (chart cilium)`. */
  label: string;
  expr: VersionExpression;
  chosen: PackVersion;
  versions: readonly PackVersion[];
}

/**
 * Why the chosen version does not fit the profile's Kubernetes, or undefined. Names the newest
 * version the expression allows that would fit, since that is usually the fix.
 */
export function kubeVersionProblem(c: KubeCheck, k8s: { pack: string; version: string }): string | undefined {
  const constraint = c.chosen.kubeVersion;
  const allows = kubeVersionAllows(constraint, k8s.version);
  if (allows === true) return undefined;
  const k8sText = `${k8s.version} (pack ${k8s.pack})`;
  if (allows === 'invalid') {
    return `${c.label} ${c.chosen.version} declares kubeVersion ${JSON.stringify(constraint)}, which is not a SemVer range, so it cannot be checked against Kubernetes ${k8sText}`;
  }
  const fitting = newestMatch(
    c.expr,
    c.versions.filter((v) => kubeVersionAllows(v.kubeVersion, k8s.version) === true && matches(c.expr, v.version)),
  );
  const hint = fitting
    ? `: the newest ${c.expr.text} match that allows it is ${fitting.version}`
    : `: no ${c.expr.text} match allows it`;
  return `${c.label} ${c.chosen.version} requires kubeVersion ${constraint} but Kubernetes is ${k8sText}${hint}`;
}
