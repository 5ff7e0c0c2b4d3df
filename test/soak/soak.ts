// The soak driver: a private control plane, two real operator processes (build/src/main.js with
// leader election), Helm repositories served by loopback servers (half of them behind seeded fault
// injection), optionally OCI registries (a real CNCF distribution behind a proxy), and a seeded
// schedule of changes and faults. It checks its invariants while it runs and at the end, and writes
// a report (text and PNG) to a results folder. `make soak` runs it long (test/soak/soak-main.ts);
// test/soak/soak-quick.test.ts runs it small inside `make test`.
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { dump } from 'js-yaml';
import { DEFAULT_OPERATOR_NAMESPACE } from '../../src/api/names.js';
import { REGISTRY_LABEL } from '../../src/api/pack.js';
import { SYNC_REQUESTED_ANNOTATION } from '../../src/api/packregistry.js';
import { CLUSTERPROFILE, PACK, PACKREGISTRY, SECRET } from '../../src/api/resource-types.js';
import { getCondition } from '../../src/controller/conditions.js';
import { EVENT_TYPE } from '../../src/controller/events.js';
import { Informer } from '../../src/controller/informer.js';
import { KubeApiError, isNotFound, type KubeClient, type ResourceType } from '../../src/controller/kube-client.js';
import { LEASE_TYPE } from '../../src/controller/leader-election.js';
import { objectKey } from '../../src/controller/object-key.js';
import { repoRoot } from '../../src/local/control-plane.js';
import { packObjectName } from '../../src/reconcilers/pack-name.js';
import type { RegistryState } from '../../src/resolve/registries.js';
import type { PackCatalog } from '../../src/resolve/resolve-profile.js';
import { makeHelmRepository, type ChartSpec } from '../harness/helm-charts.js';
import {
  basicAuth,
  serveDirectory,
  startServer,
  status,
  type Handler,
  type TestServer,
} from '../harness/http-server.js';
import { SEEDED_CHART_VALUES, startOciRegistry, type OciRegistry } from '../harness/oci-registry.js';
import { startOperatorProcess, type OperatorProcess } from '../harness/operator-process.js';
import { startTestCluster, type TestCluster } from '../harness/own-cluster.js';
import { createTestPki } from '../harness/tls.js';
import { toolPath } from '../harness/tools.js';
import {
  DEFAULT_FAULT_MIX,
  FaultInjector,
  OUTAGES,
  outageHandler,
  REALM_OUTAGES,
  realmOutageHandler,
  reverseProxy,
  type FaultKind,
  type OutageKind,
  type RealmOutageKind,
} from './faults.js';
import { scrape, sumOf, type Sample } from './prometheus.js';
import { Rng } from './rng.js';
import {
  ADDON_CHARTS,
  chartSpec,
  conditionShapeProblem,
  expectedResolution,
  INFRA_CHARTS,
  makeProfiles,
  nextVersion,
  PROFILE_NAMESPACES,
  registryState,
  statusMismatch,
  type ChartDef,
  type PackObject,
  type ProfileObject,
  type RegistryObject,
  type RegistryPlan,
} from './soak-model.js';
import {
  formatLoopDelay,
  longestQueueStall,
  loopDelay,
  writeReport,
  type LoopDelay,
  type SoakReport,
} from './soak-report.js';

const execFileAsync = promisify(execFile);

export const OPERATOR_NAMESPACE = DEFAULT_OPERATOR_NAMESPACE;
const LEASE_NAME = 'packyard-leader';
const MAIN = new URL('../../src/main.js', import.meta.url);
const CANARY = 'soak-a/canary';

export interface SoakConfig {
  durationMs: number;
  /** Helm registries (each its own repository). */
  registries: number;
  /** OCI registries, on top of the Helm ones (0: none). */
  ociRegistries: number;
  profiles: number;
  seed: number;
  /** Loopback servers the Helm repositories are spread over: odd ones inject faults, the upper half speak TLS. */
  servers: number;
  /** Chance that a request to a faulty server gets a fault. */
  faultProbability: number;
  /** The same for the OCI proxy that injects faults (an OCI sync makes a dozen requests). */
  ociFaultProbability: number;
  apiserverRestarts: number;
  leaderKills: number;
  /** Mean gap between two scheduled events (publish, edit, outage, rotation, recreate). */
  meanEventGapMs: number;
  maxInFlightEvents: number;
  /** PackRegistry spec.interval. */
  registryInterval: string;
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
  sampleMs: number;
  invariantMs: number;
  /** Time allowed to converge after setup and after the run. */
  settleTimeoutMs: number;
  /**
   * A profile whose status stays different from the resolver's answer longer than this, while the
   * run goes on, is a lost update (the operator did not act on a change it was told about).
   */
  staleAfterMs: number;
  /** End RSS may exceed start RSS by this factor plus rssSlackMiB before it counts as growth. */
  rssGrowthFactor: number;
  rssSlackMiB: number;
  /** Idle time before RSS is read at the start and at the end. */
  rssSettleMs: number;
  resultsRoot: string;
  /** Names the results folder: <timestamp>-<label>-seed<seed>. */
  label: string;
  log: (line: string) => void;
}

export function soakConfig(overrides: Partial<SoakConfig> = {}): SoakConfig {
  return {
    durationMs: 30 * 60_000,
    registries: 100,
    ociRegistries: 4,
    profiles: 2000,
    seed: 1,
    servers: 4,
    faultProbability: DEFAULT_FAULT_MIX.probability,
    ociFaultProbability: 0.02,
    apiserverRestarts: 5,
    leaderKills: 6,
    meanEventGapMs: 1_000,
    maxInFlightEvents: 16,
    registryInterval: '2m',
    leaseDuration: '8s',
    renewDeadline: '6s',
    retryPeriod: '1s',
    sampleMs: 2_000,
    invariantMs: 5_000,
    settleTimeoutMs: 10 * 60_000,
    staleAfterMs: 2 * 60_000,
    rssGrowthFactor: 1.5,
    rssSlackMiB: 64,
    rssSettleMs: 10_000,
    resultsRoot: join(repoRoot(), 'soak-results'),
    label: 'soak',
    log: (line) => process.stderr.write(`[soak] ${line}\n`),
    ...overrides,
  };
}

export type EventKind =
  'publish' | 'profileEdit' | 'outage' | 'rotateCredentials' | 'recreateRegistry' | 'apiserverRestart' | 'leaderKill';
export type MarkerKind = 'apiserverRestart' | 'leaderKill' | 'faultsStart' | 'faultsEnd';
const SCHEDULED_WEIGHTS: Partial<Record<EventKind, number>> = {
  publish: 30,
  profileEdit: 30,
  outage: 10,
  rotateCredentials: 8,
  recreateRegistry: 5,
};
/**
 * Tokens of the soak's token-auth OCI registry: announced for 3 s (cached 2.7 s), taken by the
 * registry for 2-3 s (its exp has second resolution), so syncs keep asking the realm and meet
 * tokens that expire mid-sync. A realm fault or rotation waits this long to be sure no cached token hides it.
 */
const OCI_TOKEN_EXPIRES_S = 3;

interface HelmServer {
  index: number;
  server: TestServer;
  tls: boolean;
  injector?: FaultInjector;
}

interface Repo {
  name: string;
  type: 'helm' | 'oci';
  plan: RegistryPlan;
  spec: Record<string, unknown>;
  /** Helm: the directory served; OCI: the base path in the registry. */
  dir: string;
  server?: HelmServer;
  /** OCI: the registry process holding it (htpasswd or token auth). */
  oci?: OciRegistry;
  faulty: boolean;
  auth?: { username: string; password: string };
  outage?: OutageKind | RealmOutageKind;
  /** Chart → every version published (prereleases included). */
  versions: Map<string, string[]>;
  /** Publishes to one repository run one at a time (each merges into the index). */
  publishing: Promise<void>;
  /** Set while an outage, rotation or recreation runs on it. */
  busy?: EventKind;
}

interface Proc {
  idx: number;
  op: OperatorProcess;
  identity: string;
  pid: number;
  startedAt: number;
  exitedAt?: number;
  exit?: string;
  killedByUs: boolean;
  lostLeadership: boolean;
  /** How long each time the lease was in doubt (writes held) lasted, when it was renewed again. */
  leaseDoubtsMs: number[];
  rssFirstKiB?: number;
  rssPeakKiB: number;
  rssLastKiB?: number;
  samples?: Sample[];
  logFile: string;
  stderrTail: string[];
  logLines: number;
  warnLines: number;
  errorLines: number;
}

interface Probe {
  kind: EventKind;
  what: string;
  startedAt: number;
  deadline: number;
  check: () => boolean;
  superseded?: () => boolean;
  onDone?: (converged: boolean) => void;
  /** Where its time is recorded in the report (default: kind), e.g. rotateCredentials.oci. */
  label?: string;
}

export interface SeriesPoint {
  t: number;
  rssMiB: Record<string, number>;
  depth: Record<string, number>;
  reconciles: Record<string, number>;
  leader?: number;
}

export interface SoakOutcome {
  ok: boolean;
  violations: string[];
  reportDir: string;
  report: SoakReport;
}

export async function runSoak(cfg: SoakConfig): Promise<SoakOutcome> {
  const soak = new Soak(cfg);
  try {
    return await soak.run();
  } finally {
    await soak.teardown();
  }
}

class Soak {
  private readonly rng: Rng;
  private readonly startedAt = Date.now();
  private readonly reportDir: string;
  private cluster!: TestCluster;
  private client!: KubeClient;
  private readonly servers: HelmServer[] = [];
  private oci?: OciRegistry;
  private ociToken?: OciRegistry;
  private readonly ociProxies: TestServer[] = [];
  /** Blob GETs of the faulty OCI proxies slowed down (by 0.5-4 s). */
  private slowBlobs = 0;
  private ociInjector?: FaultInjector;
  private readonly repos = new Map<string, Repo>();
  private readonly profileSpecs = new Map<string, ProfileObject>();
  private readonly tmpDirs: string[] = [];

  private registries!: Informer<RegistryObject>;
  private packs!: Informer<PackObject>;
  private profiles!: Informer<ProfileObject>;

  private readonly procs: Proc[] = [];
  private stopping = false;
  private supervisor?: Promise<void>;
  private startingProcess = false;

  private readonly secrets = new Set<string>();
  private readonly violations: string[] = [];
  private readonly violationCounts = new Map<string, number>();
  private readonly injected = new Map<string, number>();
  private readonly skipped = new Map<string, number>();
  private readonly convergence = new Map<string, number[]>();
  private readonly unconverged = new Map<string, number>();
  /** Probes dropped because a later event replaced what they waited for (a publish to a registry then re-created). */
  private readonly superseded = new Map<string, number>();
  private readonly failovers: number[] = [];
  private readonly apiserverDowntimes: number[] = [];
  private readonly conditionChecks = { passed: 0, failed: 0 };
  private readonly probes = new Set<Probe>();
  private readonly gcWindow = new Set<string>();
  private readonly packDeletionsExpected = { count: 0 };
  private readonly staleness = { maxMs: 0, maxWhat: '', samples: 0, staleProfiles: 0 };
  private readonly series: SeriesPoint[] = [];
  private readonly markers: { t: number; kind: MarkerKind }[] = [];
  private inFlight = 0;
  private readonly tasks = new Set<Promise<void>>();
  private eventsSeen = { total: 0, byReason: new Map<string, number>() };
  private tokenCounter = 0;
  private rssStart?: { kib: number; proc: number };
  private initialLoopDelay?: LoopDelay & { proc: number };
  /** RSS of the processes alive when the faults start: a process that lives through the run is compared with itself. */
  private readonly rssAtRunStart = new Map<number, number>();
  private rssEnd?: { kib: number; proc: number };
  private phaseTimes: Record<string, number> = {};

  constructor(private readonly cfg: SoakConfig) {
    this.rng = new Rng(cfg.seed);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    this.reportDir = join(cfg.resultsRoot, `${stamp}-${cfg.label}-seed${cfg.seed}`);
    mkdirSync(this.reportDir, { recursive: true });
  }

  private log(line: string): void {
    this.cfg.log(`${((Date.now() - this.startedAt) / 1000).toFixed(1).padStart(7)}s ${line}`);
  }

  async run(): Promise<SoakOutcome> {
    const { cfg } = this;
    this.log(
      `seed ${cfg.seed}: ${cfg.registries} helm + ${cfg.ociRegistries} oci registries, ${cfg.profiles} profiles, ${cfg.durationMs / 1000}s; results in ${this.reportDir}`,
    );
    await this.setUp();
    this.phaseTimes.setupDone = Date.now();
    this.startSupervisor();
    await this.waitFor('two operator processes', () => this.live().length === 2, 120_000);
    const initialStart = Date.now();
    const loopBefore = new Map(
      await Promise.all(
        this.live().map(async (p) => [p.idx, await scrape(p.op.metricsPort).catch(() => undefined)] as const),
      ),
    );
    // The driver's own loop: its fault servers answer the operators' syncs, so its delay is theirs too.
    const driverLoop = monitorEventLoopDelay({ resolution: 10 });
    driverLoop.enable();
    const sampler = this.loop(cfg.sampleMs, () => this.sample());
    const prober = this.loop(500, () => this.evaluateProbes());
    await this.converge('initial');
    this.phaseTimes.initialConvergenceMs = Date.now() - initialStart;
    this.log(`initial convergence in ${(this.phaseTimes.initialConvergenceMs / 1000).toFixed(1)}s`);
    await this.logEventLoopDelay(loopBefore);
    this.rssStart = await this.settledLeaderRss();
    this.log(`start RSS of the leader: ${mib(this.rssStart.kib)} MiB`);

    const runStart = Date.now();
    this.phaseTimes.runStart = runStart;
    this.markers.push({ t: (runStart - this.startedAt) / 1000, kind: 'faultsStart' });
    for (const p of this.live()) this.rssAtRunStart.set(p.idx, p.op.rssKiB());
    const invariants = this.loop(cfg.invariantMs, () => this.sampleInvariants());
    const scans = this.loop(30_000, () => this.scanCluster());
    await Promise.all([
      this.scheduleEvents(runStart + cfg.durationMs),
      this.scheduleDisruptions(runStart, runStart + cfg.durationMs),
    ]);
    this.log(`schedule done; waiting for ${this.tasks.size} event tasks`);
    await Promise.all([...this.tasks]);
    this.phaseTimes.runEnd = Date.now();
    this.markers.push({ t: (this.phaseTimes.runEnd - this.startedAt) / 1000, kind: 'faultsEnd' });
    invariants.stop();
    scans.stop();

    const settleStart = Date.now();
    await this.converge('final');
    this.phaseTimes.finalConvergenceMs = Date.now() - settleStart;
    this.log(`final convergence in ${(this.phaseTimes.finalConvergenceMs / 1000).toFixed(1)}s`);
    await this.evaluateProbes();
    for (const probe of this.probes) this.finishProbe(probe, false);
    await this.waitQueueDrained();
    this.rssEnd = await this.settledLeaderRss();
    this.log(`end RSS of the leader: ${mib(this.rssEnd.kib)} MiB`);
    this.checkRss();
    await this.scanCluster();
    this.drainLogs();
    sampler.stop();
    prober.stop();
    this.checkProcesses();
    driverLoop.disable();
    this.log(
      `event-loop delay of the soak driver (and its fault servers) over the run: p99 ${Math.round(driverLoop.percentile(99) / 1e6)} ms, max ${Math.round(driverLoop.max / 1e6)} ms`,
    );

    const report = this.buildReport();
    writeReport(this.reportDir, report, this.series, this.markers);
    this.log(`report: ${join(this.reportDir, 'report.txt')}`);
    return { ok: this.violations.length === 0, violations: [...this.violations], reportDir: this.reportDir, report };
  }

  // ---------------------------------------------------------------- setup

  private async setUp(): Promise<void> {
    const { cfg, rng } = this;
    this.cluster = await startTestCluster();
    this.client = this.cluster.client;
    for (const ns of [OPERATOR_NAMESPACE, ...PROFILE_NAMESPACES]) {
      await this.client.request('POST', '/api/v1/namespaces', { body: { metadata: { name: ns } } }).catch(() => {});
    }
    const pki = await createTestPki();
    await this.putSecret('soak-ca', { 'ca.crt': pki.ca.cert });

    for (let i = 0; i < cfg.servers; i++) {
      const tls = i >= cfg.servers / 2;
      const injector =
        i % 2 === 1
          ? new FaultInjector(rng.fork(), { ...DEFAULT_FAULT_MIX, probability: cfg.faultProbability })
          : undefined;
      const entry: HelmServer = { index: i, tls, injector, server: undefined as unknown as TestServer };
      entry.server = await startServer({
        ...(tls && { tls: { cert: pki.server.cert, key: pki.server.key } }),
        routes: { '/': (req, res, s) => this.route(req.url ?? '/')(req, res, s) },
      });
      this.servers.push(entry);
    }

    // Every chart version once through `helm package`, then one repository per flavour indexed by
    // `helm repo index`, copied for each registry: a hundred registries cost two index runs.
    const flavourDirs = new Map<string, string>();
    for (const [flavour, charts] of [
      ['infra', INFRA_CHARTS],
      ['addon', ADDON_CHARTS],
    ] as const) {
      const dir = makeHelmRepository(charts.flatMap((def) => def.initial.map((v) => chartSpec(def, v))));
      this.tmpDirs.push(dir);
      flavourDirs.set(flavour, dir);
    }
    const plans: RegistryPlan[] = [];
    for (let i = 0; i < cfg.registries; i++) {
      const name = `r${String(i).padStart(3, '0')}`;
      const flavour = i % 2 === 0 ? 'infra' : 'addon';
      const plan: RegistryPlan = {
        name,
        flavour,
        charts: flavour === 'infra' ? INFRA_CHARTS : ADDON_CHARTS,
        isDefault: i === 0,
      };
      plans.push(plan);
      const server = this.servers[i % this.servers.length]!;
      const dir = mkdtempSync(join(tmpdir(), `packyard-soak-${name}-`));
      this.tmpDirs.push(dir);
      cpSync(flavourDirs.get(flavour)!, dir, { recursive: true });
      // r000 is the default registry and the canary's: never faulty, never in an outage.
      const auth = i !== 0 && i % 3 === 1 ? { username: 'soak', password: this.newPassword() } : undefined;
      if (auth) await this.putSecret(`${name}-auth`, auth);
      const spec = {
        type: 'helm',
        url: `${server.server.url}/${name}`,
        interval: cfg.registryInterval,
        timeout: '5s',
        ...(plan.isDefault && { default: true }),
        ...(auth && { secretRef: { name: `${name}-auth` } }),
        ...(server.tls && { tls: { caSecretRef: { name: 'soak-ca' } } }),
      };
      this.repos.set(name, {
        name,
        type: 'helm',
        plan,
        spec,
        dir,
        server,
        faulty: !!server.injector,
        auth,
        versions: new Map(plan.charts.map((c) => [c.name, [...c.initial]])),
        publishing: Promise.resolve(),
      });
    }
    // The default registry must not be a faulty one: it sits on server 0.
    if (this.servers[0]?.injector) throw new Error('server 0 must not inject faults');

    if (cfg.ociRegistries > 0) await this.setUpOci(plans);

    const profiles = makeProfiles(rng, cfg.profiles, plans);
    profiles.push({
      apiVersion: 'packyard.io/v1alpha1',
      kind: 'ClusterProfile',
      metadata: { name: 'canary', namespace: 'soak-a' },
      spec: {
        type: 'add-on',
        version: '1.0.0',
        updatePolicy: 'Auto',
        packs: [{ name: 'podinfo', layer: 'addon', registry: 'r000', version: '6.6.0' }],
      },
    });
    for (const p of profiles) this.profileSpecs.set(objectKey(p), p);

    this.startInformers();
    await runLimited(
      [...this.repos.values()].map((r) => () => this.createRegistry(r)),
      8,
    );
    await runLimited(
      profiles.map(
        (p) => () =>
          this.api('create profile', () => this.client.create(CLUSTERPROFILE, p as never)).then(() => undefined),
      ),
      8,
    );
    await Promise.all([this.registries, this.packs, this.profiles].map((i) => i.waitForSync()));
    this.log(`created ${this.repos.size} registries and ${profiles.length} profiles`);
  }

  /**
   * OCI registries on two real registry processes: even ones on an htpasswd registry, odd ones on a
   * token-auth registry (its realm the harness's token service). Each PackRegistry has its own
   * account (so its password can rotate alone); the processes sit behind proxies, plain or with the
   * fault layer (plus slow blobs), which also serve each registry's outages; a token registry's
   * outages can hit its realm instead.
   */
  private async setUpOci(plans: RegistryPlan[]): Promise<void> {
    const { cfg, rng } = this;
    const password = this.newPassword();
    this.oci = await startOciRegistry({ auth: 'htpasswd', username: 'soak', password });
    this.ociToken = await startOciRegistry({
      auth: 'token',
      username: 'soak',
      password,
      tokenExpiresInS: OCI_TOKEN_EXPIRES_S,
      wrapTokenService: (next) => (req, res, server) => this.realmRoute(req.url ?? '/', next)(req, res, server),
    });
    this.ociInjector = new FaultInjector(rng.fork(), { ...DEFAULT_FAULT_MIX, probability: cfg.ociFaultProbability });
    const slowRng = rng.fork();
    const proxies = new Map<string, TestServer>();
    for (const registry of [this.oci, this.ociToken]) {
      for (const faulty of [false, true]) {
        const forward = reverseProxy(registry.url);
        const handler: Handler = async (req, res, server) => {
          const name = /^\/v2\/([^/]+)\//.exec(req.url ?? '')?.[1];
          const repo = name ? this.repos.get(name) : undefined;
          if (repo?.outage && repo.outage in OUTAGES)
            return outageHandler(repo.outage as OutageKind, forward)(req, res, server);
          // An outage's reason is checked exactly: no random fault on its way (its ping included).
          const inOutage = repo ? !!repo.outage : [...this.repos.values()].some((r) => r.outage && r.oci === registry);
          if (!faulty || inOutage || !this.ociInjector!.enabled) return forward(req, res, server);
          if (req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '') && slowRng.chance(0.5)) {
            this.slowBlobs++;
            await sleep(slowRng.int(500, 4_000));
          }
          return this.ociInjector!.wrap(forward)(req, res, server);
        };
        const proxy = await startServer({ routes: { '/': handler } });
        this.ociProxies.push(proxy);
        proxies.set(`${registry.url} ${faulty}`, proxy);
      }
    }
    for (let j = 0; j < cfg.ociRegistries; j++) {
      const name = `o${String(j).padStart(3, '0')}`;
      const registry = j % 2 === 0 ? this.oci : this.ociToken;
      // o000 plain, o001 faulty, o002 faulty, o003 plain, …: both kinds of auth with and without faults.
      const faulty = j % 4 === 1 || j % 4 === 2;
      const proxy = proxies.get(`${registry.url} ${faulty}`)!;
      const plan: RegistryPlan = { name, flavour: 'addon', charts: ADDON_CHARTS, isDefault: false };
      plans.push(plan);
      for (const def of plan.charts)
        await registry.seedCharts(
          `${name}/${def.name}`,
          def.initial.map((v) => chartSpec(def, v)),
        );
      const auth = { username: name, password: this.newPassword() };
      registry.setPassword(auth.username, auth.password);
      await this.putSecret(`${name}-auth`, auth);
      this.repos.set(name, {
        name,
        type: 'oci',
        plan,
        dir: name,
        oci: registry,
        faulty,
        auth,
        spec: {
          type: 'oci',
          url: `oci://${new URL(proxy.url).host}/${name}`,
          interval: cfg.registryInterval,
          timeout: '10s',
          secretRef: { name: `${name}-auth` },
          oci: { repositories: plan.charts.map((c) => c.name) },
        },
        versions: new Map(plan.charts.map((c) => [c.name, [...c.initial]])),
        publishing: Promise.resolve(),
      });
    }
  }

  /** The token service's answer to a request for an account (each token registry has its own): a realm outage, faults, or a token. */
  private realmRoute(url: string, next: Handler): Handler {
    const account = new URL(url, 'http://x').searchParams.get('account') ?? '';
    const repo = this.repos.get(account);
    if (repo?.outage && repo.outage in REALM_OUTAGES) return realmOutageHandler(repo.outage as RealmOutageKind);
    return repo?.faulty && this.ociInjector ? this.ociInjector.wrap(next) : next;
  }

  /** The handler for a request to a Helm server: outage, else faults, else auth, else the files. */
  private route(url: string): Handler {
    const name = new URL(url, 'http://x').pathname.split('/')[1] ?? '';
    const repo = this.repos.get(name);
    if (!repo || repo.type !== 'helm') return status(404);
    const files = serveDirectory(repo.dir, `/${name}/`);
    if (repo.outage) return outageHandler(repo.outage as OutageKind, files);
    const authed = repo.auth ? basicAuth(repo.auth.username, repo.auth.password, files) : files;
    return repo.server?.injector ? repo.server.injector.wrap(authed) : authed;
  }

  private startInformers(): void {
    const make = <T extends KubernetesObject>(type: ResourceType, labelSelector?: string) =>
      new Informer<T>(this.client, { type, ...(labelSelector && { labelSelector }), backoffMaxMs: 5_000 });
    this.registries = make<RegistryObject>(PACKREGISTRY);
    this.packs = make<PackObject>(PACK, REGISTRY_LABEL);
    this.profiles = make<ProfileObject>(CLUSTERPROFILE);
    this.packs.addIndex('by-name', (p) => [`${p.spec.registry}/${p.spec.name}`]);
    this.packs.addIndex('by-registry', (p) => [p.metadata?.labels?.[REGISTRY_LABEL] ?? '']);
    this.profiles.addIndex('by-reference', (p) =>
      p.spec.packs.map((k) => `${k.registry ?? '*default*'}/${k.chart ?? k.name}`),
    );
    this.packs.on({ onDelete: (p) => this.onPackDeleted(p) });
    for (const i of [this.registries, this.packs, this.profiles]) i.start();
  }

  private newPassword(): string {
    const password = `soakpw-${this.rng.hex(12)}`;
    this.secrets.add(password);
    this.secrets.add(Buffer.from(`soak:${password}`).toString('base64'));
    return password;
  }

  // ---------------------------------------------------------------- operator processes

  private live(): Proc[] {
    return this.procs.filter((p) => p.exitedAt === undefined);
  }

  private startSupervisor(): void {
    let lastExit = 0;
    this.supervisor = (async () => {
      while (!this.stopping) {
        const exited = this.procs.filter((p) => p.exitedAt !== undefined).map((p) => p.exitedAt!);
        lastExit = Math.max(lastExit, ...exited, 0);
        // A Deployment's kubelet restarts a dead pod after a short backoff.
        if (this.live().length < 2 && !this.startingProcess && Date.now() - lastExit > 1_000) {
          this.startingProcess = true;
          await this.startProcess().catch((err: Error) =>
            this.log(`operator process did not start: ${err.message.split('\n')[0]}`),
          );
          this.startingProcess = false;
        }
        await sleep(250);
      }
    })();
  }

  private async startProcess(): Promise<void> {
    const { cfg } = this;
    const op = await startOperatorProcess(MAIN, this.cluster.kubeconfigPath, [
      '--leader-elect',
      `--namespace=${OPERATOR_NAMESPACE}`,
      `--leader-elect-lease-duration=${cfg.leaseDuration}`,
      `--leader-elect-renew-deadline=${cfg.renewDeadline}`,
      `--leader-elect-retry-period=${cfg.retryPeriod}`,
      '--graceful-shutdown-timeout=5s',
      '--log-level=info',
    ]);
    const idx = this.procs.length;
    const proc: Proc = {
      idx,
      op,
      identity: op.identity,
      pid: op.child.pid!,
      startedAt: Date.now(),
      killedByUs: false,
      lostLeadership: false,
      leaseDoubtsMs: [],
      rssPeakKiB: 0,
      logFile: join(this.reportDir, `operator-${idx}.log`),
      stderrTail: [],
      logLines: 0,
      warnLines: 0,
      errorLines: 0,
    };
    this.procs.push(proc);
    op.child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      appendFileSync(`${proc.logFile}.stderr`, text);
      proc.stderrTail = [...proc.stderrTail, ...text.split('\n')].slice(-20);
      this.scanText(text, `stderr of operator process ${idx}`);
    });
    op.child.once('close', (code, signal) => {
      proc.exitedAt = Date.now();
      this.drainLogs();
      if (proc.killedByUs) proc.exit = 'killed by the soak (SIGKILL)';
      else if (proc.lostLeadership) proc.exit = `exited ${code} after losing leadership`;
      else if (this.stopping && (signal === 'SIGTERM' || code === 0)) proc.exit = 'stopped (SIGTERM)';
      else proc.exit = `crashed: code ${code} signal ${signal}; stderr: ${proc.stderrTail.join(' | ').slice(-600)}`;
      this.log(`operator process ${idx} (pid ${proc.pid}) ${proc.exit}`);
    });
    this.log(`operator process ${idx} started: pid ${proc.pid}, ${op.identity}`);
  }

  /** Moves new log lines of every process into its log file, scanning them for secrets on the way. */
  private drainLogs(): void {
    for (const proc of this.procs) {
      const lines = proc.op.logs.splice(0);
      if (lines.length === 0) continue;
      let text = '';
      for (const line of lines) {
        const s = JSON.stringify(line);
        text += `${s}\n`;
        proc.logLines++;
        if (line.level === 'warn') proc.warnLines++;
        if (line.level === 'error' || line.level === 'fatal') proc.errorLines++;
        if (typeof line.msg === 'string' && line.msg.startsWith('leadership lost')) proc.lostLeadership = true;
        if (line.msg === 'renewed leader lease again; writes resume') proc.leaseDoubtsMs.push(Number(line.inDoubtMs));
      }
      this.scanText(text, `log of operator process ${proc.idx}`);
      appendFileSync(proc.logFile, text);
    }
  }

  private scanText(text: string, where: string): void {
    for (const secret of this.secrets) {
      if (text.includes(secret)) this.violation('secret', `secret material (${secret.slice(0, 8)}…) in ${where}`);
    }
  }

  private async leaderIdentity(): Promise<string | undefined> {
    const lease = await this.client
      .get<KubernetesObject & { spec?: { holderIdentity?: string } }>(LEASE_TYPE, LEASE_NAME, OPERATOR_NAMESPACE)
      .catch(() => undefined);
    return lease?.spec?.holderIdentity || undefined;
  }

  /** The leader's work queue of `controller` as last scraped: depth, busy workers, longest-running reconcile. */
  private queueState(controller: string): string {
    const samples = this.leaderProc()?.samples;
    if (!samples) return 'unknown';
    const depth = sumOf(samples, 'workqueue_depth', { controller });
    const active = sumOf(samples, 'controller_runtime_active_workers', { controller });
    const longest = sumOf(samples, 'workqueue_longest_running_processor_seconds', { controller });
    return `depth ${depth}, ${active} busy workers, longest reconcile running ${longest.toFixed(1)}s`;
  }

  /** The leader's event-loop delay while the profiles converged (goal: p99 ≤ 100 ms), from its histogram. */
  private async logEventLoopDelay(before: Map<number, Sample[] | undefined>): Promise<void> {
    const leader = this.leaderProc();
    const after = leader && (await scrape(leader.op.metricsPort).catch(() => undefined));
    if (!leader || !after) return this.log('event-loop delay: no leader to read it from');
    this.initialLoopDelay = { proc: leader.idx, ...loopDelay(before.get(leader.idx), after) };
    this.log(
      `event-loop delay of the leader (#${leader.idx}) during initial convergence: ${formatLoopDelay(this.initialLoopDelay)}`,
    );
  }

  private leaderProc(): Proc | undefined {
    return this.live().find((p) => p.samples && sumOf(p.samples, 'leader_election_master_status') === 1);
  }

  // ---------------------------------------------------------------- sampling

  private async sample(): Promise<void> {
    this.drainLogs();
    const t = (Date.now() - this.startedAt) / 1000;
    const point: SeriesPoint = { t, rssMiB: {}, depth: {}, reconciles: {} };
    await Promise.all(
      this.live().map(async (proc) => {
        try {
          const rss = proc.op.rssKiB();
          if (rss === 0) return; // killed, not yet reaped: a zombie has no VmRSS
          proc.rssFirstKiB ??= rss;
          proc.rssPeakKiB = Math.max(proc.rssPeakKiB, rss);
          proc.rssLastKiB = rss;
          point.rssMiB[`#${proc.idx}`] = rss / 1024;
        } catch {
          // exited between the check and the read
        }
        try {
          proc.samples = await scrape(proc.op.metricsPort);
        } catch {
          // a process that is going away
        }
      }),
    );
    for (const controller of ['packregistry', 'clusterprofile']) {
      point.reconciles[controller] = this.procs.reduce(
        (n, p) => n + (p.samples ? sumOf(p.samples, 'controller_runtime_reconcile_total', { controller }) : 0),
        0,
      );
      const leader = this.leaderProc();
      if (leader?.samples) point.depth[controller] = sumOf(leader.samples, 'workqueue_depth', { controller });
    }
    point.leader = this.leaderProc()?.idx;
    this.series.push(point);
  }

  /** Runs `fn` every `everyMs` until stopped; stop() also cuts the wait short, so nothing lingers. */
  private loop(everyMs: number, fn: () => Promise<void> | void): { stop(): void } {
    let stopped = false;
    let wake: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    void (async () => {
      while (!stopped) {
        const started = Date.now();
        try {
          await fn();
        } catch (err) {
          this.log(`background check failed: ${(err as Error).message}`);
        }
        if (stopped) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, Math.max(50, everyMs - (Date.now() - started)));
        });
      }
    })();
    const handle = {
      stop: () => {
        stopped = true;
        clearTimeout(timer);
        wake?.();
      },
    };
    this.loops.push(handle);
    return handle;
  }

  private readonly loops: { stop(): void }[] = [];

  // ---------------------------------------------------------------- invariants

  private violation(kind: string, message: string): void {
    const n = (this.violationCounts.get(kind) ?? 0) + 1;
    this.violationCounts.set(kind, n);
    if (n <= 20) {
      this.violations.push(`${kind}: ${message}`);
      this.log(`VIOLATION ${kind}: ${message}`);
    }
  }

  private catalog(): PackCatalog {
    return {
      get: (registry, chart) => this.packs.byIndex('by-name', `${registry}/${chart}`)[0]?.spec,
      names: (registry) => this.packs.byIndex('by-registry', registry).map((p) => p.spec.name),
    };
  }

  /** Registry states of the cache, computed once per round of probes. */
  private registryStates?: RegistryState[];

  /** Why a profile's status is not what the resolver computes from the current cache, if it is not. */
  private profileProblem(profile: ProfileObject): string | undefined {
    const registries = this.registryStates ?? this.registries.list().map(registryState);
    return statusMismatch(profile, expectedResolution(profile, this.catalog(), registries));
  }

  private readonly staleSince = new Map<string, number>();
  private readonly staleReported = new Set<string>();

  /** What a stale profile and the registries it uses looked like, to tell a missed trigger from a skipped write. */
  private staleDetail(profile: ProfileObject): string {
    const ready = getCondition(profile.status?.conditions, 'Ready');
    const names = new Set(
      profile.spec.packs.map(
        (p) => p.registry ?? this.registries.list().find((r) => r.spec.default)?.metadata.name ?? '?',
      ),
    );
    const regs = [...names].map((n) => {
      const r = this.registries.get(n);
      const c = getCondition(r?.status?.conditions, 'Ready');
      return `${n} (created ${r?.metadata.creationTimestamp}, Ready=${c?.status} ${c?.reason} since ${c?.lastTransitionTime}, lastSyncTime ${r?.status?.lastSyncTime})`;
    });
    return (
      `profile rv ${profile.metadata.resourceVersion}, generation ${profile.metadata.generation}/${profile.status?.observedGeneration}, ` +
      `Ready=${ready?.status} ${ready?.reason} since ${ready?.lastTransitionTime} ("${ready?.message}"); registries: ${regs.join('; ')}; leader #${this.leaderProc()?.idx}`
    );
  }

  private async sampleInvariants(): Promise<void> {
    const now = Date.now();
    const registries = this.registries.list().map(registryState);
    const catalog = this.catalog();
    let stale = 0;
    const slice = new Slice();
    for (const profile of this.profiles.list()) {
      await slice.yield();
      const key = objectKey(profile);
      const problem = statusMismatch(profile, expectedResolution(profile, catalog, registries));
      if (problem) {
        const since = this.staleSince.get(key) ?? now;
        this.staleSince.set(key, since);
        if (now - since > this.staleness.maxMs) {
          this.staleness.maxMs = now - since;
          this.staleness.maxWhat = `${key}: ${problem}`;
        }
        if (now - since > this.cfg.staleAfterMs) {
          stale++;
          if (!this.staleReported.has(key)) {
            this.staleReported.add(key);
            this.violation(
              'stale-profile',
              `${key} out of date for ${Math.round((now - since) / 1000)}s: ${problem}; ${this.staleDetail(profile)}`,
            );
          }
        }
      } else {
        this.staleSince.delete(key);
      }
      const shape = conditionShapeProblem(profile.status);
      if (shape) this.violation('conditions', `profile ${key}: ${shape}`);
    }
    for (const registry of this.registries.list()) {
      const shape = conditionShapeProblem(registry.status);
      if (shape) this.violation('conditions', `registry ${registry.metadata.name}: ${shape}`);
    }
    this.staleness.samples++;
    this.staleness.staleProfiles = Math.max(this.staleness.staleProfiles, stale);
  }

  private onPackDeleted(pack: PackObject): void {
    const registry = pack.metadata?.labels?.[REGISTRY_LABEL] ?? pack.spec.registry;
    if (this.gcWindow.has(registry)) {
      this.packDeletionsExpected.count++;
      return;
    }
    const repo = this.repos.get(registry);
    const state = repo
      ? repo.outage
        ? `in an outage (${repo.outage})`
        : repo.busy
          ? `during ${repo.busy}`
          : 'healthy'
      : 'unknown';
    this.violation(
      'pack-disappeared',
      `Pack ${pack.metadata?.name} of registry ${registry} was deleted while the registry was ${state}`,
    );
  }

  /** Secret material in statuses (from the caches) and in every Event. */
  private async scanCluster(): Promise<void> {
    const statuses = [...this.registries.list(), ...this.profiles.list(), ...this.packs.list()]
      .map((o) => JSON.stringify(o))
      .join('\n');
    this.scanText(statuses, 'an object status or Pack');
    const events = await this.client.list<KubernetesObject & { reason?: string }>(EVENT_TYPE).catch(() => undefined);
    if (events) {
      this.scanText(events.items.map((e) => JSON.stringify(e)).join('\n'), 'an Event');
      const byReason = new Map<string, number>();
      for (const e of events.items) byReason.set(e.reason ?? '', (byReason.get(e.reason ?? '') ?? 0) + 1);
      this.eventsSeen = { total: events.items.length, byReason };
    }
  }

  // ---------------------------------------------------------------- probes (convergence after an event)

  private probe(
    kind: EventKind,
    what: string,
    check: () => boolean,
    opts: {
      superseded?: () => boolean;
      onDone?: (converged: boolean) => void;
      timeoutMs?: number;
      label?: string;
    } = {},
  ): void {
    const startedAt = Date.now();
    this.probes.add({
      kind,
      what,
      startedAt,
      deadline: startedAt + (opts.timeoutMs ?? 10 * 60_000),
      check,
      superseded: opts.superseded,
      onDone: opts.onDone,
      label: opts.label,
    });
  }

  private async evaluateProbes(): Promise<void> {
    const now = Date.now();
    this.registryStates = this.registries.list().map(registryState);
    try {
      await this.evaluateProbesNow(now);
    } finally {
      this.registryStates = undefined;
    }
  }

  private async evaluateProbesNow(now: number): Promise<void> {
    const slice = new Slice();
    for (const probe of [...this.probes]) {
      await slice.yield();
      if (!this.probes.has(probe)) continue;
      if (probe.superseded?.()) {
        this.probes.delete(probe);
        count(this.superseded, probe.kind);
        probe.onDone?.(false);
        continue;
      }
      let ok: boolean;
      try {
        ok = probe.check();
      } catch {
        ok = false;
      }
      if (ok) {
        this.probes.delete(probe);
        record(this.convergence, probe.label ?? probe.kind, now - probe.startedAt);
        probe.onDone?.(true);
      } else if (now > probe.deadline) {
        this.finishProbe(probe, false);
      }
    }
  }

  private finishProbe(probe: Probe, converged: boolean): void {
    if (!this.probes.delete(probe)) return;
    if (!converged) {
      count(this.unconverged, probe.kind);
      this.log(`not converged: ${probe.kind} ${probe.what}`);
    }
    probe.onDone?.(converged);
  }

  /** The cache holds generation `generation` (or later) of the profile, and its status matches the resolver. */
  private profileConverged(key: string, generation = 0): boolean {
    const profile = this.profiles.get(key);
    return !!profile && (profile.metadata.generation ?? 0) >= generation && this.profileProblem(profile) === undefined;
  }

  /** Every profile that uses chart `chart` of `registry` (directly, or through the default registry). */
  private profilesUsing(registry: string, chart: string): ProfileObject[] {
    const direct = this.profiles.byIndex('by-reference', `${registry}/${chart}`);
    return this.repos.get(registry)?.plan.isDefault
      ? [...direct, ...this.profiles.byIndex('by-reference', `*default*/${chart}`)]
      : direct;
  }

  // ---------------------------------------------------------------- the schedule

  private async scheduleEvents(endAt: number): Promise<void> {
    const { rng } = this;
    while (Date.now() < endAt) {
      await sleep(rng.exp(this.cfg.meanEventGapMs));
      if (Date.now() >= endAt || this.stopping) break;
      const kind = rng.weighted(SCHEDULED_WEIGHTS);
      // Checked before drawing: a draw records what the event will do (a version, an edit).
      if (this.inFlight >= this.cfg.maxInFlightEvents) {
        count(this.skipped, kind, 1);
        continue;
      }
      const task = this.drawEvent(kind);
      if (!task) {
        count(this.skipped, kind, 1);
        continue;
      }
      this.launch(kind, task);
    }
  }

  private launch(kind: EventKind, task: () => Promise<void>): void {
    this.inFlight++;
    count(this.injected, kind);
    const run = task()
      .catch((err: Error) => this.log(`${kind} failed: ${err.message}`))
      .finally(() => {
        this.inFlight--;
        this.tasks.delete(run);
      });
    this.tasks.add(run);
  }

  /** Draws an event's parameters now (so the seed decides them); returns undefined when none is possible. */
  private drawEvent(kind: EventKind): (() => Promise<void>) | undefined {
    const { rng } = this;
    const repos = [...this.repos.values()];
    switch (kind) {
      case 'publish': {
        const repo = rng.pick(repos);
        const def = rng.pick(repo.plan.charts);
        const versions = repo.versions.get(def.name)!;
        const version = nextVersion(rng, versions);
        versions.push(version);
        return () => this.publish(repo, def, version);
      }
      case 'profileEdit': {
        const keys = [...this.profileSpecs.keys()].filter((k) => k !== CANARY);
        const key = rng.pick(keys);
        const profile = this.profileSpecs.get(key)!;
        const i = rng.int(0, profile.spec.packs.length - 1);
        const pack = profile.spec.packs[i]!;
        const def = [...INFRA_CHARTS, ...ADDON_CHARTS].find((c) => c.name === (pack.chart ?? pack.name))!;
        const packs = profile.spec.packs.map((p, j) =>
          j !== i
            ? p
            : rng.chance(0.15)
              ? { ...p, values: `replicaCount: ${rng.int(1, 9)}\n` }
              : { ...p, version: rng.pick(def.expressions.filter((e) => e !== p.version)) },
        );
        profile.spec = { ...profile.spec, packs };
        return () => this.editProfile(key, packs);
      }
      case 'outage': {
        const eligible = repos.filter((r) => !r.plan.isDefault && !r.busy);
        if (eligible.length === 0) return undefined;
        const repo = rng.pick(eligible);
        // A token-auth OCI registry loses its realm instead of its registry half the time.
        const realm = !!repo.oci && repo.oci === this.ociToken && rng.chance(0.5);
        const outage = rng.pick(
          (realm ? Object.keys(REALM_OUTAGES) : Object.keys(OUTAGES)) as (OutageKind | RealmOutageKind)[],
        );
        const holdMs = rng.int(1_000, 6_000);
        return () => this.outage(repo, outage, holdMs);
      }
      case 'rotateCredentials': {
        const eligible = repos.filter((r) => r.auth && !r.busy);
        if (eligible.length === 0) return undefined;
        const repo = rng.pick(eligible);
        const password = this.newPassword();
        const delayMs = rng.int(1_000, 4_000);
        return () => this.rotate(repo, password, delayMs);
      }
      case 'recreateRegistry': {
        const eligible = repos.filter((r) => !r.plan.isDefault && !r.busy);
        if (eligible.length === 0) return undefined;
        const repo = rng.pick(eligible);
        const gapMs = rng.int(1_000, 5_000);
        return () => this.recreate(repo, gapMs);
      }
      default:
        return undefined;
    }
  }

  /** Apiserver restarts and leader kills at seeded times, one at a time. */
  private async scheduleDisruptions(startAt: number, endAt: number): Promise<void> {
    const span = endAt - startAt;
    const plan: { at: number; kind: EventKind }[] = [];
    const spread = (n: number, kind: EventKind, offset: number) => {
      for (let k = 0; k < n; k++) plan.push({ at: startAt + (span * (k + offset + this.rng.next() * 0.3)) / n, kind });
    };
    spread(this.cfg.apiserverRestarts, 'apiserverRestart', 0.1);
    spread(this.cfg.leaderKills, 'leaderKill', 0.55);
    plan.sort((a, b) => a.at - b.at);
    for (const { at, kind } of plan) {
      await sleep(at - Date.now());
      if (Date.now() > endAt || this.stopping) break;
      count(this.injected, kind);
      this.markers.push({ t: (Date.now() - this.startedAt) / 1000, kind: kind as MarkerKind });
      try {
        if (kind === 'apiserverRestart') await this.restartApiserver();
        else await this.killLeader();
      } catch (err) {
        this.log(`${kind} failed: ${(err as Error).message}`);
      }
    }
  }

  // ---------------------------------------------------------------- events

  private token(what: string): string {
    return `${what}-${++this.tokenCounter}`;
  }

  /** Requests a sync and waits (up to 60 s) for the registry to handle it; false when it did not. */
  private async syncHandled(name: string, token: string): Promise<boolean> {
    await this.requestSync(name, token);
    return this.waitFor(
      `${name} to handle ${token}`,
      () => handledAtLeast(this.registries.get(name)?.status?.lastHandledSyncRequest, token),
      60_000,
    ).then(
      () => true,
      () => false,
    );
  }

  private async requestSync(name: string, token: string): Promise<void> {
    await this.api(`request a sync of ${name}`, () =>
      this.client.mergePatch(PACKREGISTRY, name, undefined, {
        metadata: { annotations: { [SYNC_REQUESTED_ANNOTATION]: token } },
      }),
    ).catch((err) => {
      if (!isNotFound(err)) throw err;
    });
  }

  private registryReady(name: string, opts: { handled?: string; syncedAfter?: number; uid?: string } = {}): boolean {
    const r = this.registries.get(name);
    if (!r?.status || (opts.uid && r.metadata.uid !== opts.uid)) return false;
    if (r.status.observedGeneration !== r.metadata.generation) return false;
    if (opts.handled !== undefined && !handledAtLeast(r.status.lastHandledSyncRequest, opts.handled)) return false;
    if (
      opts.syncedAfter !== undefined &&
      !(Date.parse(r.status.lastSyncTime ?? '') >= Math.floor(opts.syncedAfter / 1000) * 1000)
    )
      return false;
    return getCondition(r.status.conditions, 'Ready')?.status === 'True';
  }

  private async publish(repo: Repo, def: ChartDef, version: string): Promise<void> {
    const previous = repo.publishing;
    let release!: () => void;
    repo.publishing = new Promise((r) => (release = r));
    await previous;
    try {
      if (repo.type === 'helm') await publishChartAsync(chartSpec(def, version), repo.dir);
      else await repo.oci!.pushChart(chartSpec(def, version), repo.name);
    } finally {
      release();
    }
    const token = this.token('publish');
    const uid = this.registries.get(repo.name)?.metadata.uid;
    await this.requestSync(repo.name, token);
    const packName = packObjectName(repo.name, def.name);
    this.probe(
      'publish',
      `${repo.name}/${def.name} ${version}`,
      () => {
        // Prereleases too: the catalogue keeps them by default (flagged; resolution skips them unless named).
        if (!this.packs.get(packName)?.spec.versions.some((v) => v.version === version)) return false;
        return this.profilesUsing(repo.name, def.name).every((p) => this.profileProblem(p) === undefined);
      },
      { superseded: () => this.registries.get(repo.name)?.metadata.uid !== uid },
    );
  }

  /** Edits of one profile are applied in the order they were drawn, so the last one drawn is the one that stays. */
  private readonly editChains = new Map<string, Promise<unknown>>();

  private async editProfile(key: string, packs: ProfileObject['spec']['packs']): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const edit = (this.editChains.get(key) ?? Promise.resolve())
      .catch(() => {})
      .then(() =>
        this.api(`edit profile ${key}`, () =>
          this.client.mergePatch<ProfileObject>(CLUSTERPROFILE, name, namespace, { spec: { packs } }),
        ),
      );
    this.editChains.set(key, edit);
    const edited = await edit;
    if (this.editChains.get(key) === edit) this.editChains.delete(key);
    const generation = edited.metadata.generation ?? 0;
    this.probe('profileEdit', key, () => this.profileConverged(key, generation));
  }

  /** A canary edit right after a disruption: how long until the operator acts on a change again. */
  private async canaryEdit(kind: EventKind, from: number): Promise<void> {
    const canary = this.profileSpecs.get(CANARY)!;
    const version = canary.spec.packs[0]!.version === '6.6.0' ? '6.7.0' : '6.6.0';
    canary.spec = { ...canary.spec, packs: [{ ...canary.spec.packs[0]!, version }] };
    const edited = await this.api('edit the canary', () =>
      this.client.mergePatch<ProfileObject>(CLUSTERPROFILE, 'canary', 'soak-a', { spec: { packs: canary.spec.packs } }),
    );
    const generation = edited.metadata.generation ?? 0;
    const probeStart = Date.now();
    this.probe(kind, `canary after ${kind}`, () => this.profileConverged(CANARY, generation), {
      onDone: (converged) => {
        // Count from the disruption, not from the edit.
        if (converged) {
          const list = this.convergence.get(kind)!;
          list[list.length - 1] = list[list.length - 1]! + (probeStart - from);
        }
      },
    });
  }

  /** An event whose target became busy between its draw and its start. */
  private skipBusy(kind: EventKind): void {
    count(this.injected, kind, -1);
    count(this.skipped, kind);
  }

  private async outage(repo: Repo, outage: OutageKind | RealmOutageKind, holdMs: number): Promise<void> {
    if (repo.busy) return this.skipBusy('outage');
    repo.busy = 'outage';
    count(this.injected, `outage.${repo.type}.${outage}`);
    try {
      repo.outage = outage;
      // A token the operator still holds would spare it the realm: let them all run out first.
      if (outage in REALM_OUTAGES) await sleep(OCI_TOKEN_EXPIRES_S * 1000);
      const token = this.token(`outage-${outage}`);
      const handled = await this.syncHandled(repo.name, token);
      if (handled && repo.outage === outage) {
        const ready = getCondition(this.registries.get(repo.name)?.status?.conditions, 'Ready');
        const expected =
          outage in REALM_OUTAGES ? REALM_OUTAGES[outage as RealmOutageKind] : OUTAGES[outage as OutageKind];
        if (ready?.status === 'False' && ready.reason === expected) this.conditionChecks.passed++;
        else {
          this.conditionChecks.failed++;
          this.violation(
            'condition-reason',
            `${repo.name} in an outage (${outage}): Ready=${ready?.status} ${ready?.reason}, expected False ${expected}`,
          );
        }
      }
      await sleep(holdMs);
    } finally {
      repo.outage = undefined;
    }
    const t1 = Date.now();
    const token = this.token('outage-over');
    await this.requestSync(repo.name, token);
    this.probe(
      'outage',
      `${repo.name} after ${outage}`,
      () => this.registryReady(repo.name, { handled: token, syncedAfter: t1 }),
      {
        label: `outage.${repo.type}`,
        onDone: () => (repo.busy = undefined),
      },
    );
  }

  private async rotate(repo: Repo, password: string, delayMs: number): Promise<void> {
    if (repo.busy || !repo.auth) return this.skipBusy('rotateCredentials');
    repo.busy = 'rotateCredentials';
    repo.auth = { ...repo.auth, password };
    if (repo.oci) {
      repo.oci.setPassword(repo.auth.username, password);
      // Tokens issued to the old password stay good until they expire, as at any registry.
      if (repo.oci === this.ociToken) await sleep(OCI_TOKEN_EXPIRES_S * 1000);
    }
    const token = this.token('rotate');
    const handled = await this.syncHandled(repo.name, token);
    if (handled) {
      const ready = getCondition(this.registries.get(repo.name)?.status?.conditions, 'Ready');
      // Behind the fault layer the request may have met a fault before the password check.
      const allowed = repo.faulty
        ? ['AuthenticationFailed', 'FetchFailed', 'RateLimited', 'Timeout']
        : ['AuthenticationFailed'];
      if (ready?.status === 'False' && allowed.includes(ready.reason)) this.conditionChecks.passed++;
      else {
        this.conditionChecks.failed++;
        this.violation(
          'condition-reason',
          `${repo.name} with a rotated server password: Ready=${ready?.status} ${ready?.reason}, expected False ${allowed.join('|')}`,
        );
      }
    }
    await sleep(delayMs);
    // From before the update: the operator may see the new Secret (and sync, and stamp lastSyncTime)
    // before the apiserver's answer reaches us. Taken after it, a sync in that gap into the previous
    // second did not count, and the probe waited for the next interval (the 14-26 s tail of past soaks).
    const t1 = Date.now();
    const rvAtUpdate = this.registries.get(repo.name)?.metadata.resourceVersion;
    await this.putSecret(`${repo.name}-auth`, { username: repo.auth.username, password });
    const updated = Date.now(); // the probe's clock starts here: the update's own latency is the apiserver's
    // Where the time goes: the registry's first status write after the Secret update (the sync the
    // change triggered, or not), what it said, and the disruptions meanwhile.
    const markersBefore = this.markers.length;
    const queue = this.queueState('packregistry');
    let first: string | undefined;
    const label = `rotateCredentials.${repo.type}`;
    // No sync request: the Secret changing is all the operator gets.
    this.probe(
      'rotateCredentials',
      repo.name,
      () => {
        const r = this.registries.get(repo.name);
        if (first === undefined && r && r.metadata.resourceVersion !== rvAtUpdate) {
          const c = getCondition(r.status?.conditions, 'Ready');
          record(this.convergence, `${label}.firstStatus`, Date.now() - t1);
          first = `after ${((Date.now() - t1) / 1000).toFixed(1)}s: Ready=${c?.status} ${c?.reason}`;
        }
        return this.registryReady(repo.name, { syncedAfter: t1 });
      },
      {
        label,
        onDone: (converged) => {
          const ms = Date.now() - updated;
          if (!converged || ms > 3_000) {
            const during =
              this.markers
                .slice(markersBefore)
                .map((m) => m.kind)
                .join(', ') || 'none';
            this.log(
              `slow rotation of ${repo.name} (${repo.type}${repo.faulty ? ', behind faults' : ''}): ${(ms / 1000).toFixed(1)}s ` +
                `after the Secret update returned (which took ${((updated - t1) / 1000).toFixed(1)}s); first status write ${first ?? 'none'} ` +
                `from the update's start; disruptions meanwhile: ${during}; leader's queue at the update: ${queue}`,
            );
          }
          repo.busy = undefined;
        },
      },
    );
  }

  private async recreate(repo: Repo, gapMs: number): Promise<void> {
    if (repo.busy) return this.skipBusy('recreateRegistry');
    repo.busy = 'recreateRegistry';
    this.gcWindow.add(repo.name);
    try {
      await this.api(`delete ${repo.name}`, () => this.client.delete(PACKREGISTRY, repo.name)).catch((err) => {
        if (!isNotFound(err)) throw err;
      });
      await this.waitFor(`${repo.name} gone`, () => !this.registries.get(repo.name), 60_000);
      // No controller-manager here, so no garbage collector: do what it would do with the owned Packs.
      await this.collectGarbage(repo.name);
      await sleep(gapMs);
      await this.collectGarbage(repo.name);
      await this.createRegistry(repo);
    } catch (err) {
      repo.busy = undefined;
      throw err;
    }
    await this.waitFor(`${repo.name} in the cache`, () => !!this.registries.get(repo.name), 60_000).catch(() => {});
    const uid = this.registries.get(repo.name)?.metadata.uid;
    this.probe(
      'recreateRegistry',
      repo.name,
      () =>
        this.registryReady(repo.name, { uid }) &&
        repo.plan.charts.every((c) =>
          this.profilesUsing(repo.name, c.name).every((p) => this.profileProblem(p) === undefined),
        ),
      {
        onDone: () => {
          this.gcWindow.delete(repo.name);
          repo.busy = undefined;
        },
      },
    );
  }

  private async collectGarbage(registry: string): Promise<void> {
    const packs = await this.api('list Packs', () =>
      this.client.list<PackObject>(PACK, { labelSelector: `${REGISTRY_LABEL}=${registry}` }),
    );
    for (const p of packs.items) {
      await this.api(`delete ${p.metadata?.name}`, () => this.client.delete(PACK, p.metadata!.name!)).catch((err) => {
        if (!isNotFound(err)) throw err;
      });
    }
  }

  private async restartApiserver(): Promise<void> {
    const t0 = Date.now();
    this.log('apiserver restart');
    await this.cluster.controlPlane.stopApiserver();
    await this.cluster.controlPlane.startApiserver();
    const t1 = Date.now();
    this.apiserverDowntimes.push(t1 - t0);
    this.log(`apiserver back after ${((t1 - t0) / 1000).toFixed(1)}s`);
    await this.canaryEdit('apiserverRestart', t1);
  }

  private async killLeader(): Promise<void> {
    // Right after a restart the lease may still name a process that has just exited: wait for a live holder.
    let holder: string | undefined;
    await this.waitFor(
      'a live leader',
      async () => {
        holder = await this.leaderIdentity();
        return this.live().some((p) => p.identity === holder);
      },
      60_000,
      250,
    ).catch(() => {});
    const leader = this.live().find((p) => p.identity === holder);
    if (!leader) {
      this.log(`leader kill skipped: the lease holder ${holder} is not a live process`);
      count(this.skipped, 'leaderKill', 1);
      return;
    }
    this.log(`kill -9 of the leader, process ${leader.idx} (pid ${leader.pid})`);
    leader.killedByUs = true;
    const t0 = Date.now();
    await leader.op.stop('SIGKILL');
    await this.canaryEdit('leaderKill', t0);
    await this.waitFor(
      'a new leader',
      async () => {
        const now = await this.leaderIdentity();
        return !!now && now !== leader.identity && this.live().some((p) => p.identity === now);
      },
      120_000,
      100,
    );
    this.failovers.push(Date.now() - t0);
    this.log(`failover after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }

  // ---------------------------------------------------------------- convergence and the end

  /**
   * Brings everything to rest and checks it against a direct computation: faults off, outages over,
   * Secrets matching the servers, every registry asked to sync; then every registry must be Ready
   * with exactly the versions its repository holds, and every profile's status must be what the
   * resolver computes from the Packs and registries read back from the apiserver.
   */
  private async converge(phase: 'initial' | 'final'): Promise<void> {
    const { cfg } = this;
    if (phase === 'final') {
      for (const s of this.servers) if (s.injector) s.injector.enabled = false;
      if (this.ociInjector) this.ociInjector.enabled = false;
      for (const repo of this.repos.values()) {
        repo.outage = undefined;
        if (repo.auth) await this.putSecret(`${repo.name}-auth`, repo.auth);
        if (!this.registries.get(repo.name)) await this.createRegistry(repo).catch(() => {});
        await repo.publishing;
      }
      await this.waitFor('two operator processes', () => this.live().length === 2, 120_000);
    }
    const token = this.token(phase);
    await runLimited(
      [...this.repos.keys()].map((name) => () => this.requestSync(name, token)),
      8,
    );
    const deadline = Date.now() + cfg.settleTimeoutMs;
    let lastProblem = '';
    const ready = await this.waitFor(
      `every registry to sync (${phase})`,
      () => {
        const notReady = [...this.repos.keys()].filter((n) => !this.registryReady(n, { handled: token }));
        lastProblem = notReady.length
          ? `${notReady.length} registries not synced, e.g. ${notReady
              .slice(0, 3)
              .map(
                (n) =>
                  `${n}: ${JSON.stringify(getCondition(this.registries.get(n)?.status?.conditions, 'Ready') ?? null)}`,
              )
              .join('; ')}`
          : '';
        return notReady.length === 0;
      },
      deadline - Date.now(),
      500,
    ).then(
      () => true,
      () => false,
    );
    if (!ready) this.violation('convergence', `${phase}: ${lastProblem}`);

    // Read everything back from the apiserver (not the driver's caches) and compare.
    let problems: string[] = [];
    const converged = await this.waitFor(
      `every profile to converge (${phase})`,
      async () => {
        problems = await this.checkAgainstCluster();
        return problems.length === 0;
      },
      Math.max(30_000, deadline - Date.now()),
      3_000,
    ).then(
      () => true,
      () => false,
    );
    if (!converged) for (const p of problems.slice(0, 10)) this.violation('convergence', `${phase}: ${p}`);
    if (!converged && problems.length > 10)
      this.violation('convergence', `${phase}: … ${problems.length} problems in all`);
  }

  private async checkAgainstCluster(): Promise<string[]> {
    const [registries, packs, profiles] = await Promise.all([
      this.api('list registries', () => this.client.list<RegistryObject>(PACKREGISTRY)),
      this.api('list packs', () => this.client.list<PackObject>(PACK, { labelSelector: REGISTRY_LABEL })),
      this.api('list profiles', () => this.client.list<ProfileObject>(CLUSTERPROFILE)),
    ]);
    const problems: string[] = [];
    const byName = new Map(packs.items.map((p) => [`${p.spec.registry}/${p.spec.name}`, p.spec]));
    const catalog: PackCatalog = {
      get: (registry, chart) => byName.get(`${registry}/${chart}`),
      names: (registry) =>
        packs.items.filter((p) => p.metadata?.labels?.[REGISTRY_LABEL] === registry).map((p) => p.spec.name),
    };
    for (const repo of this.repos.values()) {
      for (const [chart, versions] of repo.versions) {
        const want = [...versions].sort().join(','); // prereleases included: the catalogue keeps them by default
        const have = (byName.get(`${repo.name}/${chart}`)?.versions ?? [])
          .map((v) => v.version)
          .sort()
          .join(',');
        if (want !== have) problems.push(`Pack ${repo.name}.${chart} lists [${have}], the repository holds [${want}]`);
      }
    }
    const states = registries.items.map(registryState);
    for (const profile of profiles.items) {
      const problem = statusMismatch(profile, expectedResolution(profile, catalog, states));
      if (problem) problems.push(`profile ${objectKey(profile)}: ${problem}`);
      const wanted = this.profileSpecs.get(objectKey(profile));
      if (
        wanted &&
        JSON.stringify(wanted.spec.packs) !==
          JSON.stringify(profile.spec.packs.map((p) => stripDefaults(p, wanted.spec.packs)))
      ) {
        problems.push(`profile ${objectKey(profile)}: spec differs from the last edit the soak made`);
      }
    }
    return problems;
  }

  private async waitQueueDrained(): Promise<void> {
    let zeroes = 0;
    const drained = await this.waitFor(
      'the work queues to drain',
      async () => {
        await this.sample();
        const leader = this.leaderProc();
        const depth = leader?.samples ? sumOf(leader.samples, 'workqueue_depth') : Number.NaN;
        zeroes = depth === 0 ? zeroes + 1 : 0;
        return zeroes >= 3;
      },
      120_000,
      1_000,
    ).then(
      () => true,
      () => false,
    );
    if (!drained) this.violation('queue', 'workqueue_depth of the leader did not stay at 0 after the run');
  }

  private async settledLeaderRss(): Promise<{ kib: number; proc: number }> {
    await sleep(this.cfg.rssSettleMs);
    await this.sample();
    const leader = this.leaderProc() ?? this.live()[0]!;
    return { kib: leader.op.rssKiB(), proc: leader.idx };
  }

  private checkRss(): void {
    const { cfg } = this;
    if (!this.rssStart || !this.rssEnd) return;
    const limit = this.rssStart.kib * cfg.rssGrowthFactor + cfg.rssSlackMiB * 1024;
    if (this.rssEnd.kib > limit) {
      this.violation(
        'rss',
        `leader RSS grew from ${mib(this.rssStart.kib)} MiB to ${mib(this.rssEnd.kib)} MiB (limit ${mib(limit)} MiB)`,
      );
    }
  }

  private checkProcesses(): void {
    for (const p of this.procs)
      if (p.exit?.startsWith('crashed')) this.violation('crash', `operator process ${p.idx}: ${p.exit}`);
  }

  // ---------------------------------------------------------------- the report

  private buildReport(): SoakReport {
    const { cfg } = this;
    const last = (name: string, labels: Record<string, string> = {}) =>
      this.procs.reduce((n, p) => n + (p.samples ? sumOf(p.samples, name, labels) : 0), 0);
    const requestsByMethod: Record<string, number> = {};
    for (const p of this.procs) {
      for (const s of p.samples ?? []) {
        if (s.name === 'rest_client_requests_total' && s.labels.method !== 'WATCH')
          requestsByMethod[s.labels.method!] = (requestsByMethod[s.labels.method!] ?? 0) + s.value;
      }
    }
    const faults: Record<string, number> = {};
    for (const injector of [...this.servers.map((s) => s.injector), this.ociInjector]) {
      for (const [k, v] of Object.entries(injector?.counts ?? {})) faults[k] = (faults[k] ?? 0) + v;
    }
    const repos = [...this.repos.values()];
    return {
      config: { ...cfg, log: undefined },
      seed: cfg.seed,
      durationMs: (this.phaseTimes.runEnd ?? Date.now()) - (this.phaseTimes.runStart ?? this.startedAt),
      objects: {
        helmRegistries: repos.filter((r) => r.type === 'helm').length,
        ociRegistries: repos.filter((r) => r.type === 'oci').length,
        withAuth: repos.filter((r) => r.auth).length,
        behindFaults: repos.filter((r) => r.faulty).length,
        tls: repos.filter((r) => r.server?.tls).length,
        profiles: this.profiles.list().length,
        packs: this.packs.list().length,
        versions: this.packs.list().reduce((n, p) => n + p.spec.versions.length, 0),
        events: this.eventsSeen.total,
        eventsByReason: Object.fromEntries([...this.eventsSeen.byReason].sort((a, b) => b[1] - a[1])),
      },
      injected: {
        ...Object.fromEntries(this.injected),
        ...(this.slowBlobs > 0 && { 'slowBlob (oci)': this.slowBlobs }),
      },
      skipped: Object.fromEntries(this.skipped),
      faults: faults as Record<FaultKind | 'pass', number>,
      convergence: Object.fromEntries(this.convergence),
      unconverged: Object.fromEntries(this.unconverged),
      superseded: Object.fromEntries(this.superseded),
      failoversMs: this.failovers,
      apiserverDowntimesMs: this.apiserverDowntimes,
      profileQueueStall: longestQueueStall(this.series, 'clusterprofile'),
      leasesLost: this.procs.filter((p) => p.lostLeadership).length,
      leaseDoubtsMs: this.procs.flatMap((p) => p.leaseDoubtsMs),
      initialConvergenceMs: this.phaseTimes.initialConvergenceMs ?? 0,
      finalConvergenceMs: this.phaseTimes.finalConvergenceMs ?? 0,
      conditionChecks: this.conditionChecks,
      packDeletionsDuringGc: this.packDeletionsExpected.count,
      staleness: this.staleness,
      rss: {
        startKiB: this.rssStart?.kib ?? 0,
        startProc: this.rssStart?.proc ?? -1,
        endKiB: this.rssEnd?.kib ?? 0,
        endProc: this.rssEnd?.proc ?? -1,
        peakKiB: Math.max(0, ...this.procs.map((p) => p.rssPeakKiB)),
        survivors: this.live()
          .filter((p) => this.rssAtRunStart.has(p.idx))
          .map((p) => ({ proc: p.idx, runStartKiB: this.rssAtRunStart.get(p.idx)!, endKiB: p.rssLastKiB ?? 0 })),
      },
      processes: this.procs.map((p) => ({
        idx: p.idx,
        pid: p.pid,
        identity: p.identity,
        livedS: ((p.exitedAt ?? Date.now()) - p.startedAt) / 1000,
        exit: p.exit ?? 'running at the end',
        rssFirstKiB: p.rssFirstKiB ?? 0,
        rssPeakKiB: p.rssPeakKiB,
        rssLastKiB: p.rssLastKiB ?? 0,
        logLines: p.logLines,
        warnLines: p.warnLines,
        errorLines: p.errorLines,
        // From its start to its last scrape (a killed process: up to the sample before the kill).
        loopDelay: p.samples ? loopDelay(undefined, p.samples) : {},
      })),
      initialLoopDelay: this.initialLoopDelay,
      reconciles: {
        packregistry: last('controller_runtime_reconcile_total', { controller: 'packregistry' }),
        clusterprofile: last('controller_runtime_reconcile_total', { controller: 'clusterprofile' }),
      },
      reconcileErrors: last('controller_runtime_reconcile_errors_total'),
      informerRestarts: last('packyard_informer_restarts_total'),
      requestsByMethod,
      secretsWatched: this.secrets.size,
      violations: [...this.violations],
      violationCounts: Object.fromEntries(this.violationCounts),
    };
  }

  // ---------------------------------------------------------------- helpers

  private async createRegistry(repo: Repo): Promise<void> {
    await this.api(`create ${repo.name}`, () =>
      this.client.create(PACKREGISTRY, {
        apiVersion: 'packyard.io/v1alpha1',
        kind: 'PackRegistry',
        metadata: { name: repo.name },
        spec: repo.spec,
      } as never),
    );
  }

  private async putSecret(name: string, stringData: Record<string, string>): Promise<void> {
    const data = Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    const obj = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: OPERATOR_NAMESPACE }, data };
    await this.api(`put Secret ${name}`, async () => {
      try {
        await this.client.create(SECRET, obj as never);
      } catch (err) {
        if (!(err instanceof KubeApiError && err.code === 409)) throw err;
        await this.client.update(SECRET, obj as never);
      }
    });
  }

  /** Retries what fails because the apiserver is away (restarts are part of the soak). */
  private async api<T>(what: string, fn: () => Promise<T>, timeoutMs = 180_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        const transient = !(err instanceof KubeApiError) || [429, 500, 502, 503, 504].includes(err.code);
        if (!transient) throw err;
        if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
        await sleep(500);
      }
    }
  }

  private async waitFor(
    what: string,
    probe: () => boolean | Promise<boolean>,
    timeoutMs: number,
    intervalMs = 200,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await Promise.resolve(probe()).catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(intervalMs);
    }
  }

  async teardown(): Promise<void> {
    this.stopping = true;
    for (const loop of this.loops) loop.stop();
    await this.supervisor;
    await Promise.all(this.live().map((p) => p.op.stop('SIGTERM')));
    this.drainLogs();
    for (const i of [this.registries, this.packs, this.profiles]) await i?.stop();
    await Promise.all([...this.servers.map((s) => s.server.close()), ...this.ociProxies.map((p) => p.close())]);
    await this.oci?.close();
    await this.ociToken?.close();
    await this.cluster?.stop();
    for (const dir of this.tmpDirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** The apiserver fills in defaults (values, chart, …): compare against what the soak wrote. */
function stripDefaults(
  pack: Record<string, unknown>,
  wanted: readonly Record<string, unknown>[],
): Record<string, unknown> {
  const mine = wanted.find((w) => w.name === pack.name);
  if (!mine) return pack;
  return Object.fromEntries(Object.keys(mine).map((k) => [k, pack[k]]));
}

/** publishChart of the harness, without blocking the event loop (the fault servers live in it). */
export async function publishChartAsync(chart: ChartSpec, dir: string): Promise<void> {
  const staging = mkdtempSync(join(tmpdir(), 'packyard-publish-'));
  const src = mkdtempSync(join(tmpdir(), `packyard-chart-${chart.name}-`));
  const home = mkdtempSync(join(tmpdir(), 'packyard-helm-home-'));
  const env = { ...process.env, HELM_CONFIG_HOME: home, HELM_CACHE_HOME: home, HELM_DATA_HOME: home };
  try {
    mkdirSync(join(src, 'templates'));
    writeFileSync(
      join(src, 'Chart.yaml'),
      dump({ apiVersion: 'v2', type: 'application', description: `The ${chart.name} chart`, ...chart }),
    );
    writeFileSync(join(src, 'values.yaml'), SEEDED_CHART_VALUES);
    writeFileSync(
      join(src, 'templates', 'configmap.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n',
    );
    await execFileAsync(toolPath('helm'), ['package', src, '--destination', staging], { env });
    await execFileAsync(toolPath('helm'), ['repo', 'index', staging, '--merge', join(dir, 'index.yaml')], { env });
    const tgz = join(staging, `${chart.name}-${chart.version}.tgz`);
    renameSync(tgz, join(dir, basename(tgz)));
    renameSync(join(staging, 'index.yaml'), join(dir, 'index.yaml'));
  } finally {
    for (const d of [staging, src, home]) rmSync(d, { recursive: true, force: true });
  }
}

async function runLimited(tasks: (() => Promise<unknown>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/** Whether the handled sync request is `token` or a later one (tokens end in a counter). */
function handledAtLeast(handled: string | undefined, token: string): boolean {
  const n = (t: string | undefined) => Number(/-(\d+)$/.exec(t ?? '')?.[1] ?? -1);
  return handled !== undefined && n(handled) >= n(token);
}

function record<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function count<K>(map: Map<K, number>, key: K, n = 1): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

function mib(kib: number): string {
  return (kib / 1024).toFixed(0);
}

/**
 * Lets the event loop run every SLICE_MS of the driver's own checks: the fault servers the operators
 * sync from live in this process, and a check of 5,000 profiles held them for seconds, long enough
 * for a registry's 5 s sync timeout (a Timeout where an outage's own reason was expected).
 */
class Slice {
  private start = performance.now();

  async yield(): Promise<void> {
    if (performance.now() - this.start < SLICE_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.start = performance.now();
  }
}

const SLICE_MS = 20;
