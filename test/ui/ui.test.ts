// `packyard ui` in a real browser (Debian's chromium through playwright-core), against a real
// apiserver, the real operator and a real Helm repository made by the helm CLI: the pages show what
// the API holds, a sync's changes arrive live, the composer resolves as `packyard resolve` does, a
// person without RBAC for writes sees disabled buttons with the reason, and nothing answers
// without the token. Screenshots of each page go to docs/.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Browser, Page } from 'playwright-core';
import type { ClusterProfile } from '../../src/api/clusterprofile.js';
import type { Pack } from '../../src/api/pack.js';
import type { PackRegistry } from '../../src/api/packregistry.js';
import { CLUSTERPROFILE, CONFIGMAP, NAMESPACE, PACK, PACKREGISTRY, SECRET } from '../../src/api/resource-types.js';
import type { KubeClient } from '../../src/controller/kube-client.js';
import type { Manager } from '../../src/controller/manager.js';
import { UiServer } from '../../src/ui/server.js';
import { CLI, objects, runCli, tempDir, writeYaml } from '../cli/cli-harness.js';
import { launchBrowser, newPage } from '../harness/browser.js';
import { makeHelmRepository, publishChart, type ChartSpec } from '../harness/helm-charts.js';
import { serveDirectory, startServer, type TestServer } from '../harness/http-server.js';
import { startOperator } from '../harness/operator.js';
import { startTestCluster, type TestCluster } from '../harness/own-cluster.js';
import { waitFor } from '../harness/wait.js';
import { screenshot, textsWhen, viewerKubeConfig } from './ui-harness.js';

type Profile = ClusterProfile & KubernetesObject;
type Registry = PackRegistry & KubernetesObject;
const layer = (l: string) => ({ 'packyard.io/layer': l });
/** podinfo's values schema, so the composer's values step has something to refuse. */
const PODINFO_FILES = {
  'values.yaml': 'replicaCount: 1\nimage:\n  tag: latest\n',
  'values.schema.json': JSON.stringify({
    type: 'object',
    properties: { replicaCount: { type: 'integer', minimum: 1 }, image: { type: 'object' } },
  }),
};
const podinfo = (version: string): ChartSpec => ({
  name: 'podinfo',
  version,
  appVersion: version,
  kubeVersion: '>=1.30.0-0',
  files: PODINFO_FILES,
});
const CHARTS: ChartSpec[] = [
  {
    name: 'ubuntu',
    version: '22.4.4',
    appVersion: '22.04',
    annotations: layer('os'),
    description: 'Ubuntu for edge nodes',
  },
  { name: 'ubuntu', version: '24.4.1', appVersion: '24.04', annotations: layer('os') },
  { name: 'kubernetes', version: '1.29.5', annotations: layer('k8s') },
  { name: 'kubernetes', version: '1.30.4', annotations: layer('k8s') },
  { name: 'cilium', version: '1.15.3', appVersion: '1.15.3', annotations: layer('cni') },
  { name: 'cilium', version: '1.16.0-rc.1', appVersion: '1.16.0-rc.1', annotations: layer('cni') },
  { name: 'calico', version: '3.27.3', appVersion: 'v3.27.3', annotations: layer('cni') },
  { name: 'csi-aws-ebs', version: '1.30.0', annotations: layer('csi') },
  podinfo('6.5.0'),
  podinfo('6.6.1'),
  { name: 'legacy-ingress', version: '0.9.0', deprecated: true } as ChartSpec,
];
const PROFILES = [
  objects.profile('edge', {
    type: 'full',
    updatePolicy: 'Manual',
    description: 'Edge clusters: Ubuntu, Kubernetes 1.30, Cilium and podinfo.',
    packs: [
      { name: 'ubuntu', layer: 'os', version: '24.x' },
      { name: 'kubernetes', layer: 'k8s', version: '1.30.x' },
      { name: 'cilium', layer: 'cni', version: '1.15.x' },
      { name: 'podinfo', layer: 'addon', version: '^6' },
    ],
  }),
  objects.profile(
    'pinned',
    { type: 'add-on', updatePolicy: 'Manual', packs: [{ name: 'podinfo', layer: 'addon', version: '^6' }] },
    'team-a',
  ),
];

let cluster: TestCluster;
let client: KubeClient;
let server: TestServer;
let manager: Manager;
let ui: UiServer;
let viewerUi: UiServer;
let viewerUser: string;
let viewerKubeconfig: string;
let browser: Browser;
let repoDir: string;
const dirs: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client;
  repoDir = makeHelmRepository(CHARTS);
  dirs.push(repoDir);
  server = await startServer({ routes: { '/charts/': serveDirectory(repoDir, '/charts/') } });
  for (const ns of ['packyard-system', 'team-a'])
    await client.create(NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } as never);
  manager = await startOperator(cluster.kubeConfig, 'packyard-system');
  await client.create(PACKREGISTRY, objects.registry('charts', `${server.url}/charts`, { default: true }) as never);
  await waitFor(
    'the registry synced',
    async () => (await client.list<Pack & KubernetesObject>(PACK)).items.length === 7,
    60_000,
  );
  for (const p of PROFILES) await client.create(CLUSTERPROFILE, p as never);
  for (const p of PROFILES) await resolvedProfile(p.metadata.namespace, p.metadata.name);

  ui = new UiServer({ kubeConfig: cluster.kubeConfig });
  await ui.start();
  const work = tempDir('packyard-ui-');
  dirs.push(work);
  const viewer = await viewerKubeConfig(client, cluster.kubeConfig, work);
  viewerUser = viewer.user;
  viewerKubeconfig = viewer.path;
  const { KubeConfig } = await import('@kubernetes/client-node');
  const viewerConfig = new KubeConfig();
  viewerConfig.loadFromFile(viewer.path);
  viewerUi = new UiServer({ kubeConfig: viewerConfig });
  await viewerUi.start();
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await ui?.close();
  await viewerUi?.close();
  await manager?.stop();
  await server?.close();
  await cluster?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function resolvedProfile(
  namespace: string,
  name: string,
  when: (p: Profile) => boolean = () => true,
): Promise<Profile> {
  return waitFor(
    `${namespace}/${name} resolved`,
    async () => {
      const p = await client.get<Profile>(CLUSTERPROFILE, name, namespace);
      const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'True' && p.status?.observedGeneration === p.metadata?.generation && when(p)
        ? p
        : undefined;
    },
    60_000,
  );
}

/** fetch cannot set Host (a forbidden header), node:http can. */
/**
 * Runs the real `packyard ui` with `args` (and extra environment), hands `check` the URL it prints first,
 * then stops it with Ctrl-C, which must end it cleanly.
 */
async function withUiCommand(
  args: string[],
  env: Record<string, string>,
  check: (url: string) => Promise<void>,
): Promise<void> {
  const child = spawn(process.execPath, [CLI, 'ui', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface(child.stdout!).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`packyard ui exited ${code}`)));
    });
    await check(url);
  } finally {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  expect(child.exitCode).toBe(0);
}

function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

async function open(url: string, hash: string): Promise<Page> {
  const { page } = await newPage(browser);
  page.setDefaultTimeout(60_000);
  // A script error on the page fails the test that caused it, loudly.
  page.on('pageerror', (err) => pageErrors.push(`${hash}: ${err.message}`));
  await page.goto(`${url}${hash}`);
  await page.locator('.conn.live').waitFor();
  return page;
}

/** A composer page with one add-on pack, podinfo, in a profile of type add-on. */
async function composeAddon(url: string, name: string): Promise<Page> {
  const page = await open(url, '#/composer');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.locator('select[name=type]').selectOption('add-on');
  await page.getByRole('button', { name: 'Add a pack of layer Add-on' }).click();
  await page.locator('[data-row=addon] select').last().selectOption('charts/podinfo');
  return page;
}

/** Adds the `index`th valuesFrom entry of the add-on. */
async function addSource(page: Page, index: number, kind: string, name: string): Promise<void> {
  const details = page.locator('[data-row=addon] details');
  if ((await details.getAttribute('open')) === null) await page.locator('[data-row=addon] summary').click();
  await page.getByRole('button', { name: /^Add values from a ConfigMap or Secret/ }).click();
  const entry = page.locator(`[data-row=addon] [data-source="${index}"]`);
  await entry.locator('select').selectOption(kind);
  await entry.locator('input[name=source-name]').fill(name);
}

/** The page's YAML, written to a file: what `packyard resolve` is given. */
async function profileFile(page: Page): Promise<string[]> {
  const work = tempDir('packyard-ui-composer-');
  dirs.push(work);
  const file = join(work, 'composed.yaml');
  writeFileSync(file, (await page.locator('pre.yaml').textContent())!);
  return [file];
}

/**
 * `packyard resolve -o json` on the page's YAML, with the cluster's registries and valuesFrom
 * objects. Called once the page shows the answer to the last edit (the YAML comes with it).
 */
async function resolveWithCli(page: Page, kubeconfig: string) {
  return runCli(['resolve', ...(await profileFile(page)), '--from-cluster', '--kubeconfig', kubeconfig, '-o', 'json']);
}

/** Browser steps wait on conditions, which take long on a loaded machine. */
const SLOW = 180_000;

afterEach(() => expect(pageErrors.splice(0)).toEqual([]));

describe('packyard ui', () => {
  it(
    'answers nothing without the token (401), on 127.0.0.1 only, and the CLI prints a URL that works',
    async () => {
      const paths = [
        '/',
        '/assets/app.js',
        '/assets/vendor/preact.mjs',
        '/api/events',
        '/api/access',
        `/api/packs/charts.podinfo`,
      ];
      for (const path of paths) {
        expect([path, (await fetch(`${ui.origin}${path}`)).status]).toEqual([path, 401]);
        expect([path, (await fetch(`${ui.origin}${path}?token=${'x'.repeat(ui.token.length)}`)).status]).toEqual([
          path,
          401,
        ]);
      }
      const post = await fetch(`${ui.origin}/api/registries/charts/sync`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(post.status).toBe(401);
      expect((await fetch(ui.url)).status).toBe(200);
      expect(
        (await fetch(`${ui.origin}/api/packs/charts.podinfo`, { headers: { Authorization: `Bearer ${ui.token}` } }))
          .status,
      ).toBe(200);
      // The cookie the page is given opens the rest, as the page's own module imports and event stream need.
      const cookie = (await fetch(ui.url)).headers.get('set-cookie')!.split(';')[0]!;
      expect((await fetch(`${ui.origin}/assets/app.js`, { headers: { Cookie: cookie } })).status).toBe(200);
      // Another Host (DNS rebinding) is refused even with the token.
      expect(await statusWithHost(ui.url, `evil.example:${new URL(ui.origin).port}`)).toBe(421);
      expect(await statusWithHost(ui.url, `localhost:${new URL(ui.origin).port}`)).toBe(200);

      await withUiCommand(['--kubeconfig', cluster.kubeconfigPath], {}, async (url) => {
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
        expect((await fetch(url)).status).toBe(200);
        expect((await fetch(new URL('/', url))).status).toBe(401);
      });
    },
    SLOW,
  );

  it(
    'Registries: type, URL, Ready with reason and message, last sync and counts, as the API holds them',
    async () => {
      const registry = await client.get<Registry>(PACKREGISTRY, 'charts');
      const page = await open(ui.url, '#/registries');
      const row = page.locator('tr[data-registry=charts]');
      await row.waitFor();
      const ready = registry.status!.conditions!.find((c) => c.type === 'Ready')!;
      expect(await row.locator('td').nth(0).textContent()).toBe('helm');
      expect(await row.locator('td').nth(1).textContent()).toBe(registry.spec.url);
      expect((await row.locator('td.ready').textContent())!.replace(/\s+/g, ' ')).toContain(
        `True ${ready.reason}${ready.message}`.replace(/\s+/g, ' '),
      );
      expect(await row.locator('td.count-packs').textContent()).toBe(String(registry.status!.packCount));
      expect(await row.locator('td.count-versions').textContent()).toBe(String(registry.status!.versionCount));
      expect(await row.locator('td.count-skipped').textContent()).toBe(String(registry.status!.skippedVersions));
      expect(await row.locator('time').getAttribute('datetime')).toBe(registry.status!.lastSyncTime);
      expect(await row.getByRole('button', { name: 'Sync charts now' }).isEnabled()).toBe(true);
      await screenshot(page, 'registries');
      await page.context().close();
    },
    SLOW,
  );

  it(
    'Catalogue: every Pack, searchable and filterable, each with its versions newest first and badges',
    async () => {
      const packs = (await client.list<Pack & KubernetesObject>(PACK)).items;
      const page = await open(ui.url, '#/catalogue');
      await textsWhen(
        page,
        '#catalogue-count',
        (t) => t[0] === `${packs.length} of ${packs.length} packs`,
        'every pack listed',
      );
      const names = await page.locator('[data-pack] .pack-head .name').allTextContents();
      expect(names).toEqual(packs.map((p) => p.spec.name).sort());

      await page.getByLabel('Layer').selectOption('cni');
      await textsWhen(page, '[data-pack] .pack-head .name', (t) => t.join() === 'calico,cilium', 'the cni packs');
      await page.getByLabel('Layer').selectOption('');
      await page.getByLabel('Search by name').fill('CIL');
      await textsWhen(page, '#catalogue-count', (t) => t[0] === `1 of ${packs.length} packs`, 'the search to filter');

      // Opened by keyboard: Tab to the pack's button, Enter.
      await page.locator('[data-pack="charts.cilium"] .pack-head').focus();
      await page.keyboard.press('Enter');
      const cilium = packs.find((p) => p.spec.name === 'cilium')!;
      const versions = await textsWhen(
        page,
        '[data-pack="charts.cilium"] table tbody th',
        (t) => t.length === 2,
        "cilium's versions",
      );
      expect(versions).toEqual(cilium.spec.versions.map((v) => `${v.version}${v.prerelease ? 'prerelease' : ''}`));
      expect(versions[0]).toBe('1.16.0-rc.1prerelease');
      const digest = await page
        .locator('[data-pack="charts.cilium"] table tbody tr')
        .nth(1)
        .locator('td.mono[title]')
        .getAttribute('title');
      expect(digest).toBe(cilium.spec.versions[1]!.digest);
      const link = await page.getByRole('link', { name: 'Download cilium 1.15.3' }).getAttribute('href');
      expect(link).toBe(cilium.spec.versions[1]!.urls![0]);

      await page.getByLabel('Search by name').fill('legacy');
      await page.locator('[data-pack="charts.legacy-ingress"] .pack-head').click();
      await page.locator('[data-pack="charts.legacy-ingress"] table .badge.bad').waitFor();
      await page.getByLabel('Search by name').fill('');
      await page.locator('[data-pack="charts.podinfo"] .pack-head').click();
      await textsWhen(
        page,
        '[data-pack="charts.podinfo"] table tbody td:nth-child(3)',
        (t) => t.length === 2 && t.every((k) => k === '>=1.30.0-0'),
        'kubeVersion',
      );
      await screenshot(page, 'catalogue');
      await page.emulateMedia({ colorScheme: 'dark' });
      await screenshot(page, 'catalogue-dark');
      await page.context().close();
    },
    SLOW,
  );

  it(
    'Profile: the stack in layer order, each expression with its resolved version, and the conditions',
    async () => {
      const edge = await resolvedProfile('default', 'edge');
      const page = await open(ui.url, '#/profiles/default/edge');
      const layers = await textsWhen(page, '.stack .layer .tag', (t) => t.length === 4, 'the stack');
      expect(layers).toEqual(['OS', 'Kubernetes', 'CNI', 'Add-on']);
      const rows = await page
        .locator('.stack .layer')
        .evaluateAll((els) =>
          els.map((el) => [
            el.getAttribute('data-pack'),
            el.querySelector('.expr')!.textContent,
            el.querySelector('.resolved')!.textContent,
          ]),
        );
      expect(rows).toEqual(
        edge.spec.packs.map((p) => [p.name, p.version, edge.status!.resolved!.find((r) => r.name === p.name)!.version]),
      );
      const ready = edge.status!.conditions!.find((c) => c.type === 'Ready')!;
      const cells = await page.locator('tr[data-condition=Ready] td').allTextContents();
      expect(cells.slice(0, 3)).toEqual([ready.status, ready.reason, ready.message]);
      await screenshot(page, 'profile');
      await page.context().close();
    },
    SLOW,
  );

  it(
    'live: a sync after a new chart version updates the pages without a reload; Update now takes it for a Manual profile',
    async () => {
      const page = await open(ui.url, '#/registries');
      const before = (await client.get<Registry>(PACKREGISTRY, 'charts')).status!.versionCount!;
      publishChart(podinfo('6.7.0'), repoDir);
      await page.getByRole('button', { name: 'Sync charts now' }).click();
      await textsWhen(
        page,
        'tr[data-registry=charts] td.count-versions',
        (t) => t[0] === String(before + 1),
        'the new version count, live',
      );
      expect(
        (await client.get<Registry>(PACKREGISTRY, 'charts')).metadata?.annotations?.['packyard.io/sync-requested-at'],
      ).toBeDefined();

      await page.goto(`${ui.url}#/profiles/default/edge`);
      await textsWhen(
        page,
        '[data-pack=podinfo] .update',
        (t) => t[0]?.includes('6.6.1 → 6.7.0') === true,
        'the update, live',
      );
      await page.getByRole('button', { name: 'Take the updates of edge now' }).click();
      await textsWhen(page, '[data-pack=podinfo] .resolved', (t) => t[0] === '6.7.0', 'the update taken, live');
      const edge = await resolvedProfile(
        'default',
        'edge',
        (p) => p.status?.resolved?.some((r) => r.version === '6.7.0') === true,
      );
      expect(edge.metadata?.annotations?.['packyard.io/update-requested-at']).toBeDefined();
      await page.context().close();
    },
    SLOW,
  );

  it(
    'Composer: the resolution equals `packyard resolve` for the same profile, problems shown where they occur, applied',
    async () => {
      const page = await open(ui.url, '#/composer');
      await page.getByLabel('Name', { exact: true }).fill('composed');
      const pick = (l: string, value: string) => page.locator(`[data-row=${l}] select`).last().selectOption(value);
      const version = (l: string, value: string) =>
        page.locator(`[data-row=${l}] input[name=version]`).last().fill(value);
      await pick('os', 'charts/ubuntu');
      await version('os', '22.x');
      await pick('k8s', 'charts/kubernetes');
      await version('k8s', '~1.30');
      await pick('cni', 'charts/cilium');
      await version('cni', '>=1.16.0-rc.0');
      await page.getByRole('button', { name: 'Add a pack of layer CSI' }).click();
      await pick('csi', 'charts/csi-aws-ebs');
      await page.getByRole('button', { name: 'Add a pack of layer Add-on' }).click();
      await pick('addon', 'charts/podinfo');
      await page.locator('[data-row=addon] summary').click();
      await page.locator('[data-row=addon] textarea').fill('replicaCount: 2\n');
      // The YAML and the resolution come in one answer: wait for the answer to the last edit.
      await textsWhen(
        page,
        'pre.yaml',
        (t) => t[0]?.includes('replicaCount: 2') === true,
        'the answer with the values',
      );
      await textsWhen(page, '#resolution tbody th', (t) => t.length === 5, 'the resolution');

      const yaml = (await page.locator('pre.yaml').textContent())!;
      const work = tempDir('packyard-ui-composer-');
      dirs.push(work);
      const file = join(work, 'composed.yaml');
      writeYaml(file, []);
      writeFileSync(file, yaml);
      const cli = await runCli(
        ['resolve', file, '--from-cluster', '--kubeconfig', cluster.kubeconfigPath, '-o', 'json'],
        { cwd: work },
      );
      expect(cli.stderr).toBe('');
      expect(cli.code).toBe(0);
      const lock = JSON.parse(cli.stdout) as {
        revision: string;
        resolved: {
          name: string;
          layer: string;
          registry: string;
          version: string;
          digest: string;
          valuesDigest?: string;
        }[];
      };
      expect(lock.resolved.every((r) => r.valuesDigest?.startsWith('sha256:'))).toBe(true);
      const shown = await page
        .locator('#resolution tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) => [
            tr.getAttribute('data-name'),
            tr.querySelector('.version')!.textContent,
            tr.querySelector('.digest')!.getAttribute('title'),
          ]),
        );
      expect(shown).toEqual(lock.resolved.map((r) => [r.name, r.version, r.digest]));
      // The values step ran on both sides: valuesDigest is in the lock, so the revisions agree only if it did.
      expect(await page.locator('#revision').textContent()).toBe(lock.revision);
      expect(lock.resolved.map((r) => r.version)).toEqual(['22.4.4', '1.30.4', '1.16.0-rc.1', '1.30.0', '6.7.0']);
      await screenshot(page, 'composer');

      // A version nothing matches: the problem sits at that pack, with the CLI's own message.
      await version('cni', '9.x');
      const problem = await textsWhen(
        page,
        '[data-row=cni] .problem-text',
        (t) => t.length === 1,
        'the problem at the cni pack',
      );
      const bad = yaml
        .replace('version: ">=1.16.0-rc.0"', 'version: 9.x')
        .replace("version: '>=1.16.0-rc.0'", 'version: 9.x');
      expect(bad).not.toBe(yaml);
      writeFileSync(file, bad);
      const failed = await runCli(['resolve', file, '--from-cluster', '--kubeconfig', cluster.kubeconfigPath], {
        cwd: work,
      });
      expect(failed.code).toBe(1);
      const message = /NoMatchingVersion: (.*)$/m.exec(failed.stderr)?.[1] ?? failed.stderr;
      expect(problem[0]).toBe(`NoMatchingVersion: ${message}`);
      expect(await page.locator('[data-row=os] .problem-text').count()).toBe(0);
      await page.getByRole('button', { name: 'Apply to the cluster' }).isDisabled();

      await version('cni', '1.15.x');
      await textsWhen(page, '#resolution tbody th', (t) => t.length === 5, 'resolved again');
      await page.getByRole('button', { name: 'Apply to the cluster' }).click();
      await page.getByText('Applied default/composed').waitFor();
      const applied = await resolvedProfile('default', 'composed');
      expect(applied.status!.resolved!.map((r) => r.version)).toEqual([
        '22.4.4',
        '1.30.4',
        '1.15.3',
        '1.30.0',
        '6.7.0',
      ]);
      await page.context().close();
    },
    SLOW,
  );

  it(
    "Composer: values that break a pack's schema are shown at that layer's values, in the words of `packyard resolve`",
    async () => {
      const page = await composeAddon(ui.url, 'broken-values');
      await page.locator('[data-row=addon] summary').click();
      await page.locator('[data-row=addon] textarea').fill('replicaCount: 0\n');
      const problem = await textsWhen(
        page,
        '[data-row=addon] .values-problems .problem-text',
        (t) => t.length === 1,
        'the values problem at the add-on',
      );
      expect(await page.locator('[data-row=addon] textarea').getAttribute('aria-invalid')).toBe('true');
      const failed = await resolveWithCli(page, cluster.kubeconfigPath);
      expect(failed.code).toBe(1);
      const message = /InvalidValues: (.*)$/m.exec(failed.stderr)?.[1];
      expect(message).toContain('replicaCount');
      expect(problem[0]).toBe(`InvalidValues: ${message}`);
      await screenshot(page, 'composer-values');

      // Fixed: resolved, and the lock is the CLI's, valuesDigest and all.
      await page.locator('[data-row=addon] textarea').fill('replicaCount: 3\n');
      await textsWhen(page, '#resolution tbody th', (t) => t.length === 1, 'the resolution');
      expect(await page.locator('[data-row=addon] .problem-text').count()).toBe(0);
      const cli = await resolveWithCli(page, cluster.kubeconfigPath);
      expect(cli.code).toBe(0);
      expect(await page.locator('#revision').textContent()).toBe(
        (JSON.parse(cli.stdout) as { revision: string }).revision,
      );
      await page.context().close();
    },
    SLOW,
  );

  it(
    'Composer: valuesFrom ConfigMaps and Secrets read with your kubeconfig; a Secret never comes back in clear; forbidden is a problem at the layer',
    async () => {
      const secretText = 'image:\n  tag: s3cr3t-tag\n';
      await client.create(CONFIGMAP, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'podinfo-values', namespace: 'default' },
        data: { 'values.yaml': 'replicaCount: 3\n' },
      } as never);
      await client.create(SECRET, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'podinfo-secret', namespace: 'default' },
        data: { 'values.yaml': Buffer.from(secretText).toString('base64') },
      } as never);
      const page = await composeAddon(ui.url, 'from-sources');
      // Every answer the page receives, to look for the Secret's values in them.
      const answers: Promise<string>[] = [];
      page.on('response', (r) => {
        if (r.url().endsWith('/api/compose'))
          answers.push(r.text().catch((err: Error) => `unreadable: ${err.message}`));
      });
      await addSource(page, 0, 'ConfigMap', 'podinfo-values');
      await addSource(page, 1, 'Secret', 'podinfo-secret');
      await textsWhen(page, '[data-row=addon] .source-state', (t) => t.join() === 'found,found', 'both sources found');
      await textsWhen(page, '#resolution tbody th', (t) => t.length === 1, 'the resolution');
      // The CLI reads the same objects (as the same admin): the same effective values, the same lock.
      const cli = await resolveWithCli(page, cluster.kubeconfigPath);
      expect(cli.code).toBe(0);
      const lock = JSON.parse(cli.stdout) as { revision: string; resolved: { valuesDigest: string }[] };
      expect(await page.locator('#revision').textContent()).toBe(lock.revision);
      // The Secret's values are among the effective values (so in valuesDigest), yet never on the page.
      const effective = await runCli([
        'resolve',
        ...(await profileFile(page)),
        '--values',
        '--from-cluster',
        '--kubeconfig',
        cluster.kubeconfigPath,
      ]);
      expect(effective.stdout).toContain('s3cr3t-tag');
      const bodies = await Promise.all(answers);
      expect(bodies.length).toBeGreaterThan(0);
      expect(bodies.filter((b) => b.includes('s3cr3t'))).toEqual([]);
      expect(await page.content()).not.toContain('s3cr3t');

      // A name that is not there: the same message as the CLI's, at the add-on.
      await page.locator('[data-row=addon] [data-source="0"] input[name=source-name]').fill('absent-values');
      await textsWhen(page, '[data-row=addon] .source-state', (t) => t.join() === 'not found,found', 'not found');
      const missing = await textsWhen(
        page,
        '[data-row=addon] .values-problems .problem-text',
        (t) => t.length === 1,
        'the missing source at the add-on',
      );
      const failed = await resolveWithCli(page, cluster.kubeconfigPath);
      expect(failed.code).toBe(1);
      expect(missing[0]).toBe(`InvalidValues: ${/InvalidValues: (.*)$/m.exec(failed.stderr)?.[1]}`);
      await page.context().close();

      // The viewer may read neither: each is a problem at the layer, named to them, and nothing breaks.
      const viewer = await composeAddon(viewerUi.url, 'from-sources');
      await addSource(viewer, 0, 'ConfigMap', 'podinfo-values');
      await addSource(viewer, 1, 'Secret', 'podinfo-secret');
      await textsWhen(
        viewer,
        '[data-row=addon] .source-state',
        (t) => t.join() === 'forbidden to you,forbidden to you',
        'both sources forbidden',
      );
      const refused = await textsWhen(
        viewer,
        '[data-row=addon] .values-problems .problem-text',
        (t) => t.length === 2,
        'the refusals at the add-on',
      );
      expect(refused).toEqual([
        `InvalidValues: valuesFrom of pack podinfo: ConfigMap default/podinfo-values is forbidden to ${viewerUser} (403): it needs get on configmaps in namespace default`,
        `InvalidValues: valuesFrom of pack podinfo: Secret default/podinfo-secret is forbidden to ${viewerUser} (403): it needs get on secrets in namespace default`,
      ]);
      expect(await viewer.locator('#resolution-status').textContent()).toContain('Not resolved');
      // `packyard resolve` with the viewer's kubeconfig reads them the same way, and is refused the same.
      const asViewer = await resolveWithCli(viewer, viewerKubeconfig);
      expect(asViewer.code).toBe(1);
      expect(asViewer.stderr).toContain(
        "InvalidValues: valuesFrom of pack podinfo: Secret default/podinfo-secret is forbidden to the kubeconfig's user (403): it needs get on secrets in namespace default",
      );
      await viewer.context().close();
    },
    SLOW,
  );

  it(
    '--open hands the URL, token included, to $BROWSER, and that URL opens the page',
    async () => {
      const work = tempDir('packyard-ui-open-');
      dirs.push(work);
      const record = join(work, 'opened');
      const script = join(work, 'browser.sh');
      writeFileSync(script, `#!/bin/sh\nprintf '%s' "$1" > '${record}.tmp' && mv '${record}.tmp' '${record}'\n`, {
        mode: 0o755,
      });
      await withUiCommand(['--open', '--kubeconfig', cluster.kubeconfigPath], { BROWSER: script }, async (printed) => {
        const opened = await waitFor('the browser script to run', () =>
          existsSync(record) ? readFileSync(record, 'utf8') : undefined,
        );
        expect(opened).toBe(printed);
        expect(new URL(opened).searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect((await fetch(opened)).status).toBe(200);
      });
    },
    SLOW,
  );

  it(
    'works from the keyboard, names every control for screen readers, and follows the OS light/dark setting',
    async () => {
      const page = await open(ui.url, '#/registries');
      const focused = () => page.evaluate('document.activeElement.textContent.trim()');
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('Skip to content');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('Catalogue');
      await page.keyboard.press('Enter');
      await page.locator('#catalogue-count').waitFor();
      expect(new URL(page.url()).hash).toBe('#/catalogue');
      expect(await page.locator('header nav a[aria-current=page]').textContent()).toBe('Catalogue');

      // Every control and link has an accessible name: a label, aria-label, or its text.
      const unnamed = `[...document.querySelectorAll('input, select, textarea, button, a[href]')]
      .filter((el) => !((el.labels && el.labels.length) || el.getAttribute('aria-label') || el.textContent.trim()))
      .map((el) => el.outerHTML.slice(0, 100))`;
      await page.locator('[data-pack="charts.podinfo"] .pack-head').click();
      await page.locator('[data-pack="charts.podinfo"] table').waitFor();
      for (const hash of ['#/registries', '#/catalogue', '#/profiles/default/edge', '#/composer']) {
        await page.goto(`${ui.url}${hash}`);
        await page.locator('main h1').waitFor();
        await page.locator('.conn.live').waitFor();
        expect([hash, await page.evaluate(unnamed)]).toEqual([hash, []]);
      }

      const background = () => page.evaluate('getComputedStyle(document.body).backgroundColor');
      await page.emulateMedia({ colorScheme: 'light' });
      expect(await background()).toBe('rgb(255, 255, 255)');
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await background()).toBe('rgb(13, 17, 23)');
      await page.context().close();
    },
    SLOW,
  );

  it(
    'a person without RBAC for writes sees the write buttons disabled, with the reason',
    async () => {
      const page = await open(viewerUi.url, '#/registries');
      const sync = page.getByRole('button', { name: 'Sync charts now' });
      await sync.waitFor();
      await waitFor('the sync button disabled', () => sync.isDisabled());
      expect(await page.locator('#sync-charts-why').textContent()).toBe(
        `RBAC: ${viewerUser} may not patch packregistries.packyard.io`,
      );
      expect(await sync.getAttribute('aria-describedby')).toBe('sync-charts-why');

      await page.goto(`${viewerUi.url}#/profiles/team-a/pinned`);
      const update = page.getByRole('button', { name: 'Take the updates of pinned now' });
      await update.waitFor();
      await waitFor('the update button disabled', () => update.isDisabled());
      expect(await page.locator('#update-team-a-pinned-why').textContent()).toBe(
        `RBAC: ${viewerUser} may not patch clusterprofiles.packyard.io in namespace team-a`,
      );

      await page.goto(`${viewerUi.url}#/composer`);
      await page.locator('[data-row=os] select').selectOption('charts/ubuntu');
      await page.locator('[data-row=k8s] select').selectOption('charts/kubernetes');
      await page.locator('[data-row=cni] select').selectOption('charts/calico');
      await textsWhen(page, '#resolution tbody th', (t) => t.length === 3, 'the resolution');
      await textsWhen(
        page,
        '#apply-why',
        (t) => t[0] === `RBAC: ${viewerUser} may not patch clusterprofiles.packyard.io in namespace default`,
        'the reason',
      );
      expect(await page.getByRole('button', { name: 'Apply to the cluster' }).isDisabled()).toBe(true);
      // The server refuses too: the apiserver decides, with the viewer's own credentials.
      const refused = await page.evaluate(
        async () =>
          (
            await fetch('/api/registries/charts/sync', {
              method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body: '{}',
            })
          ).status,
      );
      expect(refused).toBe(403);
      await page.context().close();
    },
    SLOW,
  );
});
