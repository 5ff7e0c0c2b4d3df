import { Counter, exponentialBuckets, Gauge, Histogram, type Registry } from 'prom-client';
import type { ReconcileMetrics, ReconcileOutcome, UnfinishedWork, WorkqueueMetrics } from './workqueue.js';

// controller-runtime labels workqueue metrics with both `name` (client-go's) and `controller`,
// which carry the same value; dashboards built for either keep working.
type QueueLabel = 'name' | 'controller';

// controller-runtime's buckets, so existing dashboards and alerts read our histograms the same way.
const WORKQUEUE_BUCKETS = exponentialBuckets(10e-9, 10, 12);
const RECONCILE_TIME_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75,
  2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
const OUTCOMES: readonly ReconcileOutcome[] = ['success', 'error', 'requeue', 'requeue_after'];

export interface ControllerMetrics {
  workqueue: WorkqueueMetrics;
  reconcile: ReconcileMetrics;
}

export interface Metrics {
  readonly registry: Registry;
  readonly workqueueDepth: Gauge<QueueLabel>;
  readonly workqueueAdds: Counter<QueueLabel>;
  readonly workqueueRetries: Counter<QueueLabel>;
  readonly workqueueQueueDuration: Histogram<QueueLabel>;
  readonly workqueueWorkDuration: Histogram<QueueLabel>;
  readonly workqueueUnfinishedWork: Gauge<QueueLabel>;
  readonly workqueueLongestRunningProcessor: Gauge<QueueLabel>;
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly activeWorkers: Gauge<'controller'>;
  readonly maxConcurrentReconciles: Gauge<'controller'>;
  readonly leaderElectionMasterStatus: Gauge<'name'>;
  readonly leaderLeaseInDoubt: Gauge<'name'>;
  readonly informerRestarts: Counter<'resource'>;
  readonly restClientRequests: Counter<'code' | 'method'>;
  /** The hooks a controller's WorkQueue takes, labelled with the controller's name. */
  forController(controller: string): ControllerMetrics;
}

/**
 * Registers the runtime's metrics on `registry` (a dedicated one, never prom-client's global, so
 * tests and multiple managers stay isolated). Call once per registry: names must be unique there.
 */
export function createMetrics(registry: Registry): Metrics {
  const registers = [registry];
  const queueLabels: QueueLabel[] = ['name', 'controller'];
  // Probes are read at scrape time, so the gauges are exact without a polling loop.
  const unfinishedProbes = new Map<string, () => UnfinishedWork>();
  const scrapeUnfinished = (gauge: Gauge<QueueLabel>, pick: (w: UnfinishedWork) => number) => {
    for (const [controller, probe] of unfinishedProbes) gauge.set({ name: controller, controller }, pick(probe()));
  };

  const workqueueUnfinishedWork: Gauge<QueueLabel> = new Gauge({
    name: 'workqueue_unfinished_work_seconds',
    help:
      "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. " +
      'Large values indicate stuck threads.',
    labelNames: queueLabels,
    registers,
    collect: () => scrapeUnfinished(workqueueUnfinishedWork, (w) => w.totalSeconds),
  });
  const workqueueLongestRunningProcessor: Gauge<QueueLabel> = new Gauge({
    name: 'workqueue_longest_running_processor_seconds',
    help: 'How many seconds has the longest running processor for workqueue been running.',
    labelNames: queueLabels,
    registers,
    collect: () => scrapeUnfinished(workqueueLongestRunningProcessor, (w) => w.longestSeconds),
  });

  const metrics: Omit<Metrics, 'forController'> = {
    registry,
    workqueueDepth: new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: queueLabels,
      registers,
    }),
    workqueueAdds: new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: queueLabels,
      registers,
    }),
    workqueueRetries: new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: queueLabels,
      registers,
    }),
    workqueueQueueDuration: new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: queueLabels,
      buckets: WORKQUEUE_BUCKETS,
      registers,
    }),
    workqueueWorkDuration: new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes.',
      labelNames: queueLabels,
      buckets: WORKQUEUE_BUCKETS,
      registers,
    }),
    workqueueUnfinishedWork,
    workqueueLongestRunningProcessor,
    reconcileTotal: new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    }),
    reconcileErrors: new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    }),
    reconcileTime: new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: RECONCILE_TIME_BUCKETS,
      registers,
    }),
    activeWorkers: new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      labelNames: ['controller'],
      registers,
    }),
    maxConcurrentReconciles: new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames: ['controller'],
      registers,
    }),
    leaderElectionMasterStatus: new Gauge({
      name: 'leader_election_master_status',
      help:
        'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. ' +
        "'name' is the string used to identify the lease.",
      labelNames: ['name'],
      registers,
    }),
    leaderLeaseInDoubt: new Gauge({
      name: 'packyard_leader_lease_in_doubt',
      help:
        "1 while the leader's lease has gone unrenewed past the renew deadline and its writes are held, until it is " +
        "renewed (or found taken, and the process exits). 'name' is the lease.",
      labelNames: ['name'],
      registers,
    }),
    informerRestarts: new Counter({
      name: 'packyard_informer_restarts_total',
      help: 'Times an informer stopped on an error and was restarted, per watched resource.',
      labelNames: ['resource'],
      registers,
    }),
    restClientRequests: new Counter({
      name: 'rest_client_requests_total',
      help: 'Number of HTTP requests to the apiserver, partitioned by status code and method.',
      labelNames: ['code', 'method'],
      registers,
    }),
  };

  const forController = (controller: string): ControllerMetrics => {
    const queue = { name: controller, controller };
    // Zero series from the start, as controller-runtime does, so rate() sees the first increment.
    for (const result of OUTCOMES) metrics.reconcileTotal.inc({ controller, result }, 0);
    metrics.reconcileErrors.inc({ controller }, 0);
    metrics.workqueueAdds.inc(queue, 0);
    metrics.workqueueRetries.inc(queue, 0);
    return {
      workqueue: {
        add: () => metrics.workqueueAdds.inc(queue),
        setDepth: (depth) => metrics.workqueueDepth.set(queue, depth),
        retry: () => metrics.workqueueRetries.inc(queue),
        observeQueueDuration: (seconds) => metrics.workqueueQueueDuration.observe(queue, seconds),
        observeWorkDuration: (seconds) => metrics.workqueueWorkDuration.observe(queue, seconds),
        watchUnfinishedWork: (probe) => void unfinishedProbes.set(controller, probe),
      },
      reconcile: {
        reconciled: (result, seconds) => {
          metrics.reconcileTotal.inc({ controller, result });
          if (result === 'error') metrics.reconcileErrors.inc({ controller });
          metrics.reconcileTime.observe({ controller }, seconds);
        },
        setActiveWorkers: (workers) => metrics.activeWorkers.set({ controller }, workers),
        setMaxConcurrentReconciles: (workers) => metrics.maxConcurrentReconciles.set({ controller }, workers),
      },
    };
  };

  return { ...metrics, forController };
}
