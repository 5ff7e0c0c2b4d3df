import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { hostname } from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { realClock, type Clock } from './clock.js';
import { Controller, type ControllerOptions } from './controller.js';
import { EventRecorder } from './events.js';
import { Informer, type InformerOptions } from './informer.js';
import { KubeClient, type ResourceType } from './kube-client.js';
import { LEADER_ELECTION_DEFAULTS, LeaderElector } from './leader-election.js';
import { watchEventLoopDelay } from './event-loop-delay.js';
import { createMetrics, type Metrics } from './metrics.js';
import { startProbeServer } from './probe-server.js';
import { StatusWriter } from './status-writer.js';
import { WriteFence } from './write-fence.js';

/** Enough to keep the apiserver's status writes pipelined; more only queue there (see docs/operating.md). */
export const DEFAULT_CONCURRENT_RECONCILES = 16;

export interface ManagerOptions {
  kubeConfig: KubeConfig;
  /** The operator's own namespace: its Lease and the Secrets it may read live here. */
  namespace: string;
  name?: string;
  log: Logger;
  /**
   * Sharding: the primaries (PackRegistries, ClusterProfiles) this process reconciles. Reconcilers ask
   * for it through `watchSelector`; what they only read (Packs, other shards' registries) stays whole.
   */
  watchLabelSelector?: string;
  leaderElection?: {
    enabled: boolean;
    leaseName?: string;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
  };
  /** Workers per controller that reconciles many objects (controller-runtime's MaxConcurrentReconciles). */
  concurrentReconciles?: number;
  metricsBindAddress?: string;
  probeBindAddress?: string;
  gracefulShutdownMs?: number;
  /** Time for everything the manager runs; tests pass a FakeClock. */
  clock?: Clock;
  /** Called when leadership is lost; the process should exit so it restarts clean, as controller-runtime does. */
  onLostLeadership?: () => void;
}

/** What the manager starts once this replica leads: a Controller. */
export interface Runnable {
  readonly name: string;
  start(): void;
  /** Stops taking work and waits up to graceMs for work in flight; false when some did not finish. */
  stop(graceMs: number): Promise<boolean>;
}

/**
 * The small runtime every reconciler runs in: one API client, shared informers, metrics, probes and
 * leader election. Informers run on every replica (so a new leader starts warm); controllers run only
 * on the leader.
 */
export class Manager {
  readonly client: KubeClient;
  readonly metrics: Metrics;
  readonly statusWriter: StatusWriter;
  readonly events: EventRecorder;
  readonly clock: Clock;
  readonly identity = `${hostname()}_${randomBytes(4).toString('hex')}`;
  private readonly informers = new Map<string, Informer<KubernetesObject>>();
  private readonly controllers: Runnable[] = [];
  /** Closed while the lease is in doubt: the controllers' writes wait (see LeaderElector). */
  private readonly fence = new WriteFence();
  private elector?: LeaderElector;
  private electionClient?: KubeClient;
  private readonly observeRequest = (method: string, _path: string, code: number) =>
    this.metrics.restClientRequests.inc({ method, code: String(code) });
  private probeServer?: { close(): Promise<void>; port?: number };
  private metricsServer?: { close(): Promise<void>; port?: number };
  private eventLoopDelay?: { stop(): void };
  private stopping = false;
  private leading?: Promise<void>;

  constructor(readonly opts: ManagerOptions) {
    this.clock = opts.clock ?? realClock;
    this.metrics = createMetrics(new Registry());
    this.client = new KubeClient(opts.kubeConfig, this.observeRequest, this.fence);
    this.statusWriter = new StatusWriter(this.client);
    this.events = new EventRecorder(this.client, `packyard.io/${opts.name ?? 'controller'}`, this.identity, {
      log: opts.log,
      clock: this.clock,
      busy: () => this.statusWriter.writing > 0,
    });
  }

  get concurrentReconciles(): number {
    return this.opts.concurrentReconciles ?? DEFAULT_CONCURRENT_RECONCILES;
  }

  get log(): Logger {
    return this.opts.log;
  }

  /** Informer options for a reconciler's primary objects: this shard's slice when sharded. */
  get watchSelector(): { labelSelector?: string } {
    return this.opts.watchLabelSelector ? { labelSelector: this.opts.watchLabelSelector } : {};
  }

  /** A shared informer for a resource type (one per type and namespace). */
  informer<T extends KubernetesObject>(type: ResourceType, opts: Omit<InformerOptions, 'type'> = {}): Informer<T> {
    const key = `${type.group}/${type.plural}/${opts.namespace ?? ''}/${opts.labelSelector ?? ''}`;
    let informer = this.informers.get(key);
    if (!informer) {
      informer = new Informer(this.client, {
        resyncMs: 10 * 60_000,
        clock: this.clock,
        ...opts,
        type,
        log: this.log,
        onRestart: () => this.metrics.informerRestarts.inc({ resource: type.plural }),
      });
      this.informers.set(key, informer);
    }
    return informer as unknown as Informer<T>;
  }

  add(controller: Runnable): void {
    this.controllers.push(controller);
  }

  /**
   * A controller run on the leader, with what every reconciler shares filled in: the manager's
   * clock, log and metrics, and the filter that ignores echoes of our own status writes.
   */
  addController<P extends KubernetesObject>(
    opts: Pick<ControllerOptions<P>, 'name' | 'primary' | 'watches' | 'reconcile' | 'workers' | 'maxRetryDelayMs'>,
  ): Controller<P> {
    const controller = new Controller<P>({
      ...opts,
      isOwnStatusWrite: (obj) => this.statusWriter.isOwnWrite(obj),
      metrics: this.metrics.forController(opts.name),
      log: this.log,
      clock: this.clock,
    });
    this.add(controller);
    return controller;
  }

  isLeader(): boolean {
    return this.elector ? this.elector.isLeader() : true;
  }

  synced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced());
  }

  ports(): { metrics?: number; probes?: number } {
    return { metrics: this.metricsServer?.port, probes: this.probeServer?.port };
  }

  /**
   * Starts probes, metrics and informers and resolves once caches are synced; the controllers start
   * in the background once this replica leads.
   */
  async start(): Promise<void> {
    const { log } = this;
    this.eventLoopDelay = watchEventLoopDelay(this.metrics.registry);
    this.metricsServer = await startProbeServer({
      bindAddress: this.opts.metricsBindAddress ?? ':8080',
      metrics: this.metrics.registry,
    });
    this.probeServer = await startProbeServer({
      bindAddress: this.opts.probeBindAddress ?? ':8081',
      healthy: () => !this.stopping,
      ready: () => this.synced(),
    });
    for (const informer of this.informers.values()) informer.start();
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
    log.info({ informers: this.informers.size }, 'caches synced');
    this.leading = this.leadThenRun();
  }

  private async leadThenRun(): Promise<void> {
    const { log } = this;

    const le = this.opts.leaderElection;
    if (le?.enabled) {
      const leaseName = le.leaseName ?? leaderElectionId(this.opts.name ?? 'packyard', this.opts.watchLabelSelector);
      this.metrics.leaderElectionMasterStatus.set({ name: leaseName }, 0);
      this.metrics.leaderLeaseInDoubt.set({ name: leaseName }, 0);
      // A client of its own: lease renewals never wait for a connection that reconciles hold.
      this.electionClient = new KubeClient(this.opts.kubeConfig, this.observeRequest);
      this.elector = new LeaderElector(
        this.electionClient,
        {
          namespace: this.opts.namespace,
          name: leaseName,
          identity: this.identity,
          ...LEADER_ELECTION_DEFAULTS,
          ...definedOnly({
            leaseDurationMs: le.leaseDurationMs,
            renewDeadlineMs: le.renewDeadlineMs,
            retryPeriodMs: le.retryPeriodMs,
          }),
          log,
          onLeadershipChange: (leading) => {
            this.metrics.leaderElectionMasterStatus.set({ name: leaseName }, leading ? 1 : 0);
            if (!leading && !this.stopping) this.opts.onLostLeadership?.();
          },
          onDoubt: (inDoubt) => {
            this.metrics.leaderLeaseInDoubt.set({ name: leaseName }, inDoubt ? 1 : 0);
            if (inDoubt) this.fence.close(new Error('leader lease in doubt: not renewed within the renew deadline'));
            else this.fence.open();
          },
        },
        this.clock,
      );
      log.info({ lease: leaseName, identity: this.identity }, 'waiting for leadership');
      if (!(await this.elector.acquire())) return;
    }
    for (const controller of this.controllers) controller.start();
    log.info({ controllers: this.controllers.map((c) => c.name) }, 'controllers started');
  }

  /** Graceful stop: no new work, in-flight reconciles finish within the grace period, lease released. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const graceMs = this.opts.gracefulShutdownMs ?? 30_000;
    const finished = await Promise.all(this.controllers.map((c) => c.stop(graceMs)));
    if (finished.includes(false)) this.log.warn({ graceMs }, 'some reconciles did not finish within the grace period');
    await this.events.flush(Math.min(graceMs, 5_000));
    this.events.stop();
    await this.elector?.release();
    await this.leading;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    await Promise.all([this.probeServer?.close(), this.metricsServer?.close()]);
    this.eventLoopDelay?.stop();
    await Promise.all([this.client.close(), this.electionClient?.close()]);
  }
}

/**
 * One Lease per shard, as Flux derives its leader election ID from the watch selector: shards then
 * elect their leaders independently, and replicas of one shard share a Lease.
 */
export function leaderElectionId(name: string, watchLabelSelector: string | undefined): string {
  const base = `${name}-leader`;
  if (!watchLabelSelector) return base;
  return `${base}-${createHash('sha256').update(watchLabelSelector).digest('hex').slice(0, 10)}`;
}

function definedOnly<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
