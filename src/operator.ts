import { parseArgs } from 'node:util';
import type { Level } from 'pino';
import { loadKubeConfig } from './controller/kube-config.js';
import { createLogger } from './controller/logger.js';
import { DEFAULT_CONCURRENT_RECONCILES, Manager } from './controller/manager.js';
import { parseGoDuration } from './api/duration.js';
import { DEFAULT_OPERATOR_NAMESPACE } from './api/names.js';
import { labelSelectorProblem } from './controller/label-selector.js';

export interface OperatorFlags {
  namespace: string;
  leaderElect: boolean;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  metricsBindAddress: string;
  probeBindAddress: string;
  gracefulShutdownMs: number;
  logLevel: Level;
  /** ClusterProfiles reconciled at once (Flux's --concurrent). */
  concurrent: number;
  /** Only PackRegistries and ClusterProfiles with matching labels are reconciled (sharding, as Flux does it). */
  watchLabelSelector?: string;
  leaderElectionId?: string;
  /** Where chart and pack files read for values are cached on disk (mount a volume to keep them across restarts). */
  cacheDir?: string;
  /** Bytes of chart and pack files kept in memory. */
  contentCacheMemoryBytes?: number;
}

const USAGE = `Usage: packyard-operator [flags]
  --namespace NS                      the operator's namespace (Secrets, Lease); default $POD_NAMESPACE or packyard-system
  --leader-elect                      elect a leader so several replicas are safe (default false)
  --leader-elect-lease-duration D     default 15s
  --leader-elect-renew-deadline D     default 10s
  --leader-elect-retry-period D       default 2s
  --metrics-bind-address ADDR         default :8080 ("0" disables)
  --health-probe-bind-address ADDR    default :8081 ("0" disables)
  --graceful-shutdown-timeout D       default 30s
  --log-level LEVEL                   trace|debug|info|warn|error (default info)
  --concurrent N                      ClusterProfiles reconciled at once (default 16)
  --watch-label-selector SELECTOR     reconcile only PackRegistries and ClusterProfiles whose labels match, e.g.
                                      "packyard.io/shard=a" for one shard, "!packyard.io/shard" for the main one;
                                      Packs are read from every shard (default: all objects)
  --leader-election-id NAME           the Lease's name; default packyard-leader, or packyard-leader-<hash of
                                      the selector> with --watch-label-selector, so each shard elects its own leader
  --cache-dir DIR                     cache the chart and pack files read for values here (mount a volume: a
                                      restarted operator downloads nothing it has read before); default memory only
  --content-cache-memory BYTES        chart and pack files kept in memory, e.g. 32Mi (default)
The cluster comes from KUBECONFIG, ~/.kube/config, or the in-cluster service account.`;

/** Flags in controller-runtime's spelling, so operators find what they know. */
export function parseOperatorFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): OperatorFlags {
  const { values } = parseArgs({
    args: argv,
    options: {
      namespace: { type: 'string' },
      'leader-elect': { type: 'boolean', default: false },
      'leader-elect-lease-duration': { type: 'string', default: '15s' },
      'leader-elect-renew-deadline': { type: 'string', default: '10s' },
      'leader-elect-retry-period': { type: 'string', default: '2s' },
      'metrics-bind-address': { type: 'string', default: ':8080' },
      'health-probe-bind-address': { type: 'string', default: ':8081' },
      'graceful-shutdown-timeout': { type: 'string', default: '30s' },
      'log-level': { type: 'string', default: env.LOG_LEVEL ?? 'info' },
      concurrent: { type: 'string', default: String(DEFAULT_CONCURRENT_RECONCILES) },
      'watch-label-selector': { type: 'string' },
      'leader-election-id': { type: 'string' },
      'cache-dir': { type: 'string' },
      'content-cache-memory': { type: 'string', default: '32Mi' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  return {
    namespace: values.namespace ?? env.POD_NAMESPACE ?? DEFAULT_OPERATOR_NAMESPACE,
    leaderElect: values['leader-elect'],
    leaseDurationMs: parseGoDuration(values['leader-elect-lease-duration']),
    renewDeadlineMs: parseGoDuration(values['leader-elect-renew-deadline']),
    retryPeriodMs: parseGoDuration(values['leader-elect-retry-period']),
    metricsBindAddress: values['metrics-bind-address'],
    probeBindAddress: values['health-probe-bind-address'],
    gracefulShutdownMs: parseGoDuration(values['graceful-shutdown-timeout']),
    logLevel: parseLevel(values['log-level']),
    concurrent: parseConcurrent(values.concurrent),
    watchLabelSelector: parseWatchSelector(values['watch-label-selector']),
    leaderElectionId: values['leader-election-id'],
    ...(values['cache-dir'] && { cacheDir: values['cache-dir'] }),
    contentCacheMemoryBytes: parseBytes(values['content-cache-memory']),
  };
}

function parseWatchSelector(selector: string | undefined): string | undefined {
  if (selector === undefined || selector.trim() === '') return undefined;
  const problem = labelSelectorProblem(selector);
  if (problem) throw new Error(`--watch-label-selector ${JSON.stringify(selector)}: ${problem}`);
  return selector.trim();
}

function parseBytes(text: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(text.trim());
  if (!m) throw new Error(`--content-cache-memory must be bytes with an optional Ki, Mi or Gi suffix, got "${text}"`);
  return Number(m[1]) * { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] ?? '']!;
}

function parseConcurrent(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new Error(`--concurrent must be a whole number from 1 to 256, got "${value}"`);
  return n;
}

function parseLevel(level: string): Level {
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
  if (!levels.includes(level)) throw new Error(`--log-level must be one of ${levels.join(', ')}, got "${level}"`);
  return level as Level;
}

/**
 * Runs a manager with the given reconcilers until SIGTERM/SIGINT: then it stops taking work,
 * lets in-flight reconciles finish within the grace period, releases the lease and exits.
 */
export async function runOperator(
  flags: OperatorFlags,
  register: (manager: Manager, flags: OperatorFlags) => void,
): Promise<void> {
  const log = createLogger({ level: flags.logLevel, name: 'packyard' });
  let manager: Manager;
  try {
    manager = new Manager({
      kubeConfig: loadKubeConfig(),
      namespace: flags.namespace,
      name: 'packyard',
      log,
      watchLabelSelector: flags.watchLabelSelector,
      concurrentReconciles: flags.concurrent,
      leaderElection: {
        enabled: flags.leaderElect,
        leaseName: flags.leaderElectionId,
        leaseDurationMs: flags.leaseDurationMs,
        renewDeadlineMs: flags.renewDeadlineMs,
        retryPeriodMs: flags.retryPeriodMs,
      },
      metricsBindAddress: flags.metricsBindAddress,
      probeBindAddress: flags.probeBindAddress,
      gracefulShutdownMs: flags.gracefulShutdownMs,
      onLostLeadership: () => {
        log.error('leadership lost; exiting so a fresh process can campaign again');
        process.exit(1);
      },
    });
    register(manager, flags);
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'cannot start');
    process.exit(1);
  }
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await manager.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  await manager.start();
  const ports = manager.ports();
  log.info({ metricsPort: ports.metrics, probePort: ports.probes, identity: manager.identity }, 'manager started');
}
