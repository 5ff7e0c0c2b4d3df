// The install manifests, as users get them: `kubectl kustomize deploy/base` and `helm template` of the
// chart (real helm) are applied with server-side dry-run to the real apiserver, which validates every
// field (kubectl's default strict field validation) and runs admission, PodSecurity included.
import { readdirSync, readFileSync } from 'node:fs';
import { KubeClient, isAlreadyExists } from '../../src/controller/kube-client.js';
import { NAMESPACE as NAMESPACE_TYPE } from '../../src/api/resource-types.js';
import { testKubeConfig } from '../harness/cluster.js';
import { helm } from '../harness/helm-charts.js';
import {
  byKind,
  CHART_DIR,
  helmTemplate,
  ids,
  kubectlApply,
  kustomizeBase,
  NAMESPACE,
  parseManifests,
  ROOT,
  toYaml,
  type Manifest,
} from './manifests-helpers.js';


type Container = {
  args: string[];
  image: string;
  env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  ports: { name: string; containerPort: number }[];
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
};
type PodSpec = {
  serviceAccountName: string;
  securityContext: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  containers: Container[];
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
};
type Deployment = Manifest & {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
};
type Rules = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];

const kubeconfigPath = process.env.PACKYARD_TEST_KUBECONFIG!;
let kubeVersion: string;
let base: Manifest[];

beforeAll(async () => {
  const client = new KubeClient(testKubeConfig());
  kubeVersion = (await client.request<{ gitVersion: string }>('GET', '/version')).gitVersion;
  base = parseManifests(kustomizeBase());
  // Namespaced objects can only be dry-run into a namespace that exists: create it for real, with the
  // base's labels (PodSecurity `restricted` is then enforced on the dry-runs below).
  const ns = byKind(base, 'Namespace')[0]!;
  await client.create(NAMESPACE_TYPE, ns).catch((err) => {
    if (!isAlreadyExists(err)) throw err;
  });
}, 120_000);

/** Dry-runs the objects; returns kubectl's stderr (apiserver warnings) after checking each object was applied. */
function dryRun(objects: Manifest[]): string {
  const { stdout, stderr } = kubectlApply(kubeconfigPath, toYaml(objects), { dryRun: true });
  expect(
    stdout
      .trim()
      .split('\n')
      .filter((l) => l.endsWith('(server dry run)')),
  ).toHaveLength(objects.length);
  return stderr;
}

function container(d: Deployment): Container {
  return d.spec.template.spec.containers[0]!;
}

describe('deploy/base (kubectl kustomize)', () => {
  it('holds the CRDs, namespace, RBAC, Deployment, PodDisruptionBudget and metrics Service', () => {
    expect(ids(base)).toEqual([
      'ClusterRole/packyard-manager',
      'ClusterRole/packyard-values-secret-reader',
      'ClusterRoleBinding/packyard-manager',
      'CustomResourceDefinition/clusterprofiles.packyard.io',
      'CustomResourceDefinition/packregistries.packyard.io',
      'CustomResourceDefinition/packs.packyard.io',
      'Deployment/packyard-system/packyard',
      'Namespace/packyard-system',
      'PodDisruptionBudget/packyard-system/packyard',
      'Role/packyard-system/packyard-manager',
      'RoleBinding/packyard-system/packyard-manager',
      'Service/packyard-system/packyard-metrics',
      'ServiceAccount/packyard-system/packyard',
    ]);
  });

  it('runs two non-root, read-only replicas with leader election, probes and resources', () => {
    const d = byKind(base, 'Deployment')[0] as Deployment;
    const pod = d.spec.template.spec;
    const c = container(d);
    expect(d.spec.replicas).toBe(2);
    expect(pod.serviceAccountName).toBe('packyard');
    expect(c.image).toBe('ghcr.io/packyard/packyard:0.1.0');
    expect(c.args).toEqual(
      expect.arrayContaining(['--leader-elect', '--metrics-bind-address=:8080', '--health-probe-bind-address=:8081']),
    );
    expect(c.env).toContainEqual({
      name: 'POD_NAMESPACE',
      valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
    });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
    expect(c.ports).toEqual([
      { name: 'metrics', containerPort: 8080 },
      { name: 'health', containerPort: 8081 },
    ]);
    expect(Object.keys(c.resources.requests ?? {})).toEqual(['cpu', 'memory']);
    expect(Object.keys(c.resources.limits ?? {})).toEqual(['cpu', 'memory']);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(
      (byKind(base, 'PodDisruptionBudget')[0] as Manifest & { spec: { minAvailable: number } }).spec.minAvailable,
    ).toBe(1);
  });

  it('passes a server-side dry-run, PodSecurity restricted included', () => {
    const warnings = dryRun(base);
    expect(warnings).not.toMatch(/violate PodSecurity|unknown field|Warning/);
  });
});

describe('deploy/charts/packyard (helm template)', () => {
  it('passes helm lint', () => {
    expect(helm(['lint', CHART_DIR, '--kube-version', kubeVersion])).toContain('0 chart(s) failed');
  });

  it.each([
    ['default values', []],
    [
      'one replica without leader election or metrics',
      ['replicaCount=1', 'leaderElection.enabled=false', 'metrics.enabled=false'],
    ],
    [
      'scheduling and image overrides',
      ['image.tag=dev', 'logLevel=debug', 'nodeSelector.kubernetes\\.io/os=linux', 'tolerations[0].operator=Exists'],
    ],
    ['two shards', ['sharding.shards={a,b}']],
  ])('renders objects that pass a server-side dry-run (%s)', (_name, set) => {
    const objects = parseManifests(helmTemplate(kubeVersion, set));
    expect(dryRun(objects)).not.toMatch(/violate PodSecurity|unknown field|Warning/);
  });

  it('renders the same objects as deploy/base with default values, and honours the values', () => {
    const objects = parseManifests(helmTemplate(kubeVersion));
    expect(ids(objects)).toEqual([
      'ClusterRole/packyard-manager',
      'ClusterRole/packyard-values-secret-reader',
      'ClusterRoleBinding/packyard-manager',
      'Deployment/packyard-system/packyard',
      'PodDisruptionBudget/packyard-system/packyard',
      'Role/packyard-system/packyard-manager',
      'RoleBinding/packyard-system/packyard-manager',
      'Service/packyard-system/packyard-metrics',
      'ServiceAccount/packyard-system/packyard',
    ]);
    const d = byKind(objects, 'Deployment')[0] as Deployment;
    const baseD = byKind(base, 'Deployment')[0] as Deployment;
    expect(d.spec.replicas).toBe(2);
    expect(container(d).args.sort()).toEqual(expect.arrayContaining(container(baseD).args.sort()));
    expect(d.spec.template.spec.securityContext).toEqual(baseD.spec.template.spec.securityContext);
    expect(container(d).securityContext).toEqual(container(baseD).securityContext);

    const small = parseManifests(
      helmTemplate(kubeVersion, [
        'replicaCount=1',
        'metrics.enabled=false',
        'image.tag=dev',
        'logLevel=debug',
        'nodeSelector.disk=ssd',
      ]),
    );
    expect(ids(small)).not.toContain('PodDisruptionBudget/packyard-system/packyard');
    expect(ids(small)).not.toContain('Service/packyard-system/packyard-metrics');
    const sd = byKind(small, 'Deployment')[0] as Deployment;
    expect(container(sd).image).toBe('ghcr.io/packyard/packyard:dev');
    expect(container(sd).args).toEqual(expect.arrayContaining(['--log-level=debug', '--metrics-bind-address=0']));
    expect(sd.spec.template.spec.nodeSelector).toEqual({ disk: 'ssd' });
  });

  it('renders one Deployment per shard, each with its own selector, and the main one for unlabelled objects', () => {
    const objects = parseManifests(helmTemplate(kubeVersion, ['sharding.shards={a,b}']));
    const deployments = byKind(objects, 'Deployment') as Deployment[];
    const selectorArg = (d: Deployment) => container(d).args.filter((a) => a.startsWith('--watch-label-selector='));
    expect(Object.fromEntries(deployments.map((d) => [d.metadata.name, selectorArg(d)]))).toEqual({
      packyard: ['--watch-label-selector=!packyard.io/shard'],
      'packyard-a': ['--watch-label-selector=packyard.io/shard=a'],
      'packyard-b': ['--watch-label-selector=packyard.io/shard=b'],
    });
    // No Deployment's selector matches another's pods (overlapping selectors make controllers fight).
    for (const d of deployments) {
      const selector = d.spec.selector.matchLabels;
      const matching = deployments.filter((o) =>
        Object.entries(selector).every(([k, v]) => o.spec.template.metadata.labels[k] === v),
      );
      expect(matching.map((o) => o.metadata.name)).toEqual([d.metadata.name]);
    }
    expect(
      byKind(objects, 'PodDisruptionBudget')
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(['packyard', 'packyard-a', 'packyard-b']);
    // Without shards, the main Deployment watches everything, as before.
    const plain = byKind(parseManifests(helmTemplate(kubeVersion)), 'Deployment') as Deployment[];
    expect(plain.map(selectorArg)).toEqual([[]]);
  });

  it('grants exactly the RBAC rules of deploy/base', () => {
    const objects = parseManifests(helmTemplate(kubeVersion));
    const rules = (list: Manifest[], kind: string) =>
      Object.fromEntries(byKind(list, kind).map((o) => [o.metadata.name, (o as Manifest & { rules: Rules }).rules]));
    expect(rules(objects, 'ClusterRole')).toEqual(rules(base, 'ClusterRole'));
    expect(rules(objects, 'Role')).toEqual(rules(base, 'Role'));
  });

  it('renders a ServiceMonitor that selects the metrics Service, only when asked', () => {
    expect(ids(parseManifests(helmTemplate(kubeVersion)))).not.toContain('ServiceMonitor/packyard-system/packyard');
    const objects = parseManifests(
      helmTemplate(kubeVersion, ['serviceMonitor.enabled=true', 'serviceMonitor.labels.release=prom']),
    );
    const sm = byKind(objects, 'ServiceMonitor')[0] as Manifest & {
      spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] };
    };
    const svc = byKind(objects, 'Service')[0] as Manifest & { spec: { ports: { name: string }[] } };
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(sm.metadata.labels?.release).toBe('prom');
    expect(svc.metadata.labels).toMatchObject(sm.spec.selector.matchLabels);
    expect(svc.spec.ports.map((p) => p.name)).toContain(sm.spec.endpoints[0]!.port);
  });
});

describe('CRD copies (hack/sync-chart-crds.sh)', () => {
  const files = readdirSync(`${ROOT}/crds`)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const copies = ['deploy/base/crds', 'deploy/charts/packyard/crds'];

  it.each(copies)('%s holds exactly the CRDs of crds/', (dir) => {
    expect(
      readdirSync(`${ROOT}/${dir}`)
        .filter((f) => f !== 'kustomization.yaml')
        .sort(),
    ).toEqual(files);
  });

  it.each(copies.flatMap((dir) => files.map((f) => [`${dir}/${f}`, f])))(
    '%s equals crds/ (run hack/sync-chart-crds.sh if not)',
    (copy, file) => {
      expect(readFileSync(`${ROOT}/${copy}`, 'utf8')).toBe(readFileSync(`${ROOT}/crds/${file}`, 'utf8'));
    },
  );

  it('deploy/base installs every CRD', () => {
    expect(
      byKind(base, 'CustomResourceDefinition')
        .map((c) => `${c.metadata.name}.yaml`)
        .sort(),
    ).toEqual(files);
  });
});

describe('namespace', () => {
  it(`every namespaced object goes to ${NAMESPACE}`, () => {
    const namespaced = base.filter(
      (o) => !['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind),
    );
    expect(namespaced.every((o) => o.metadata.namespace === NAMESPACE)).toBe(true);
  });
});
