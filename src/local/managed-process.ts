// The long-lived children of a local runner (etcd, kube-apiserver, the demo OCI registry): each in a
// process group of its own, so a terminal's Ctrl-C reaches only the runner, which then stops them in
// its own order; and a last-resort cleanup for when the runner itself dies.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** SIGTERM first; what has not exited this long after gets SIGKILL. */
export const KILL_AFTER_MS = 5_000;
const LOG_TAIL_LINES = 40;

/**
 * Pids of every process started for one runner part (a control plane, a demo registry), for two
 * last-resort cleanups: an 'exit' handler (normal exit, process.exit) and a watchdog shell that
 * outlives a Node killed by a signal (it sees EOF on the pipe from us, then SIGKILLs the pids we told
 * it are live). Both also remove `dirToRemove`, since etcd alone preallocates over 100 MB there.
 */
export class ProcessSet {
  private readonly live = new Set<number>();
  private watchdog: ChildProcess | undefined;
  private readonly killAll = () => {
    for (const pid of this.live) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (this.dirToRemove) rmSync(this.dirToRemove, { recursive: true, force: true });
  };

  constructor(private readonly dirToRemove?: string) {}

  add(pid: number): void {
    if (!this.watchdog) {
      process.on('exit', this.killAll);
      this.watchdog = startWatchdog(this.dirToRemove);
    }
    this.live.add(pid);
    this.watchdog.stdin?.write(`+${pid}\n`);
  }

  delete(pid: number): void {
    this.live.delete(pid);
    this.watchdog?.stdin?.write(`-${pid}\n`);
  }

  close(): void {
    process.off('exit', this.killAll);
    this.watchdog?.kill('SIGKILL');
    this.watchdog = undefined;
  }
}

const WATCHDOG_SCRIPT = `pids=" "
while read -r line; do
  case $line in
    +*) pids="$pids\${line#+} " ;;
    -*) pids="$(printf '%s' "$pids" | sed "s/ \${line#-} / /") " ;;
  esac
done
kill -9 $pids 2>/dev/null
[ -n "$1" ] && rm -rf "$1"
exit 0`;

function startWatchdog(dirToRemove: string | undefined): ChildProcess {
  // Its own process group and unref'd, so it neither dies with a Ctrl-C nor keeps Node alive.
  const w = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'packyard-watchdog', dirToRemove ?? ''], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  w.on('error', () => undefined); // without a watchdog only the last-resort cleanup is weaker
  w.stdin?.on('error', () => undefined);
  w.unref();
  (w.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return w;
}

/** One long-lived child with its output in a log file; start() again after stop() restarts it. */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** Set when the process exits: why, for error messages. */
  exitReason: string | undefined;

  constructor(
    readonly name: string,
    private readonly bin: string,
    private readonly args: string[],
    readonly logPath: string,
    private readonly procs: ProcessSet,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.child) throw new Error(`${this.name} is already running (pid ${this.child.pid})`);
    this.exitReason = undefined;
    // Append, so a restart keeps the previous run's output in the same log.
    const fd = openSync(this.logPath, 'a');
    // detached: a process group of its own. A terminal's Ctrl-C goes to the foreground group; were
    // the children in it, etcd would exit at once while kube-apiserver hangs waiting for it, and the
    // runner could no longer stop them in order.
    const child = spawn(this.bin, this.args, { stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    this.child = child;
    if (child.pid !== undefined) this.procs.add(child.pid);
    this.exited = new Promise((resolve) => {
      const done = (reason: string) => {
        if (child.pid !== undefined) this.procs.delete(child.pid);
        if (this.child === child) this.child = undefined;
        this.exitReason ??= reason;
        resolve();
      };
      child.once('error', (err) => done(`failed to start: ${err.message}`));
      child.once('exit', (code, signal) => done(signal ? `killed by ${signal}` : `exited with code ${code}`));
    });
  }

  /** SIGTERM, SIGKILL after KILL_AFTER_MS; resolves once it has exited (at once if it already has). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    await this.exited;
    clearTimeout(timer);
  }

  async logTail(): Promise<string> {
    const text = await readFile(this.logPath, 'utf8').catch(() => '');
    return text.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
  }
}
