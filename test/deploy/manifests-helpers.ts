// What the deploy/ tests share: the real kubectl (kustomize, apply) and helm, and YAML manifests.
import { spawnSync } from 'node:child_process';
import { dump, loadAll } from 'js-yaml';
import { repoRoot } from '../../src/local/control-plane.js';
import { helm } from '../harness/helm-charts.js';
import { toolPath } from '../harness/tools.js';

export const ROOT = repoRoot();
export const NAMESPACE = 'packyard-system';
export const CHART_DIR = `${ROOT}/deploy/charts/packyard`;

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** Runs kubectl ($KUBECTL, else the one built with the control plane); fails with its stderr. */
export function kubectl(args: string[], input?: string): { stdout: string; stderr: string } {
  const bin = process.env.KUBECTL ?? toolPath('kubectl');
  const r = spawnSync(bin, args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error)
    throw new Error(
      `cannot run ${bin} (kubectl is needed for the deploy/ tests; set KUBECTL to its path): ${r.error.message}`,
    );
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** `kubectl kustomize deploy/base`. */
export function kustomizeBase(): string {
  return kubectl(['kustomize', `${ROOT}/deploy/base`]).stdout;
}

/** `helm template` of the chart into packyard-system, for the given Kubernetes version and --set values. */
export function helmTemplate(kubeVersion: string, set: string[] = [], release = 'packyard'): string {
  return helm([
    'template',
    release,
    CHART_DIR,
    '--namespace',
    NAMESPACE,
    '--kube-version',
    kubeVersion,
    ...set.flatMap((s) => ['--set', s]),
  ]);
}

export function parseManifests(text: string): Manifest[] {
  return loadAll(text).filter((d): d is Manifest => !!d && typeof d === 'object');
}

export function toYaml(objects: Manifest[]): string {
  return objects.map((o) => dump(o, { noRefs: true })).join('---\n');
}

/** Server-side apply of manifests with `kubectl`; `dryRun` makes the apiserver validate and admit without persisting. */
export function kubectlApply(
  kubeconfigPath: string,
  text: string,
  opts: { dryRun?: boolean } = {},
): { stdout: string; stderr: string } {
  return kubectl(
    [
      '--kubeconfig',
      kubeconfigPath,
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=packyard-test',
      ...(opts.dryRun ? ['--dry-run=server'] : []),
      '-f',
      '-',
    ],
    text,
  );
}

export const byKind = (objects: Manifest[], kind: string) => objects.filter((o) => o.kind === kind);
export const ids = (objects: Manifest[]) =>
  objects.map((o) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`).sort();
