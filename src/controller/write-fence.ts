/**
 * Holds back a leader's writes while its lease is in doubt: not renewed within the renew deadline,
 * yet not known to be anyone else's (the apiserver did not answer). A leader in client-go exits at
 * that point; one behind a fence stops writing instead, keeps its caches, and goes on once its lease
 * is renewed — or exits when it turns out someone else took the lease. Closing the fence also aborts
 * the writes in flight, as an exit would: none of them may land after another replica could lead.
 */
export class WriteFence {
  private gate?: { opened: Promise<void>; open: () => void };
  private readonly inFlight = new Set<AbortController>();

  get closed(): boolean {
    return this.gate !== undefined;
  }

  /** Holds every write from now on and aborts those in flight with `reason`. */
  close(reason: Error): void {
    if (!this.gate) {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      this.gate = { opened, open };
    }
    for (const write of this.inFlight) write.abort(reason);
    this.inFlight.clear();
  }

  /** Lets the held writes go. */
  open(): void {
    const gate = this.gate;
    this.gate = undefined;
    gate?.open();
  }

  /**
   * Runs `send` once the fence is open, with a signal that aborts when the fence closes meanwhile or
   * when `signal` does; a write held longer than its own deadline fails with that deadline.
   */
  async write<T>(signal: AbortSignal, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    while (this.gate) await untilAborted(this.gate.opened, signal);
    signal.throwIfAborted();
    const write = new AbortController();
    const follow = () => write.abort(signal.reason);
    signal.addEventListener('abort', follow, { once: true });
    this.inFlight.add(write);
    try {
      return await send(write.signal);
    } finally {
      this.inFlight.delete(write);
      signal.removeEventListener('abort', follow);
    }
  }
}

/** `promise`, or a rejection with the signal's reason when it aborts first. */
function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
