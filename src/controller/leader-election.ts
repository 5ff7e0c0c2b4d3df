import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { rfc3339Micro } from '../api/time.js';
import { jitter } from './backoff.js';
import { realClock, type Clock, type TimerHandle } from './clock.js';
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  resourcePath,
  type KubeClient,
  type ResourceType,
} from './kube-client.js';

export const LEASE_TYPE: ResourceType = {
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  kind: 'Lease',
  namespaced: true,
};

export interface LeaderElectionConfig {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number; // 15s
  renewDeadlineMs: number; // 10s
  retryPeriodMs: number; // 2s
  log?: Logger;
  onLeadershipChange?: (leading: boolean) => void;
  /**
   * The leader's lease went unrenewed past the renew deadline (true) and was renewed again (false):
   * while in doubt the leader must not write (the manager closes its WriteFence).
   */
  onDoubt?: (inDoubt: boolean) => void;
}

export const LEADER_ELECTION_DEFAULTS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

interface Lease {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/**
 * Leader election on a coordination.k8s.io Lease, following client-go's leaderelection: a lease is
 * expired when its record has not changed for leaseDuration by *our* clock (no trust in other
 * replicas' clocks); the leader renews every retryPeriod and steps down if it cannot renew within
 * renewDeadline; on shutdown it releases the lease so a successor need not wait for expiry.
 *
 * Renewal must not wait behind the controllers' work: give the elector a client of its own (the
 * manager does), so its requests never queue for a connection that reconciles hold. Each request is
 * abandoned when the renew deadline would pass, and a leader renews with one PUT of the lease it
 * last wrote (a GET first only when that conflicts), half the round trips of a read-then-write.
 *
 * Where client-go's leader exits at the renew deadline, ours is *in doubt* (onDoubt): it stops
 * writing and keeps trying to renew. Nobody else can have led meanwhile unless the lease moved to
 * another holder, and every write of another candidate changes the lease: when the lease as we last
 * wrote it, or as we read it again, still names us, we lead on; when it names anyone else, we have
 * lost it. So an apiserver that is down longer than the renew deadline no longer costs the leader
 * its lease (and its warm caches). A candidate that could not read the lease counts its expiry from
 * its next read: an outage is no evidence that the leader is gone, and counting through it would
 * have every candidate race the leader the moment the apiserver is back.
 */
export class LeaderElector {
  private observedRecord = '';
  private observedAt = 0;
  private leading = false;
  private inDoubt = false;
  private stopped = false;
  private timer?: TimerHandle;
  private wake?: () => void;
  /** The renewal in flight, if any: release() waits for it, or its write would race the release's. */
  private renewing?: Promise<unknown>;
  /** The lease as our last write left it: a renewal PUTs it again without reading it first. */
  private held?: Lease;

  constructor(
    private readonly client: KubeClient,
    private readonly config: LeaderElectionConfig,
    private readonly clock: Clock = realClock,
  ) {}

  isLeader(): boolean {
    return this.leading;
  }

  /** Resolves once this replica leads, or when stopped first (then returns false). */
  async acquire(): Promise<boolean> {
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew()) {
        this.setLeading(true);
        this.scheduleRenewals();
        return true;
      }
      // client-go's JitterUntil: up to 20% longer, so candidates that lost together do not retry together.
      await this.sleep(Math.round(jitter(this.config.retryPeriodMs, { above: 0.2 })));
    }
    return false;
  }

  /** Stops renewing and releases the lease if held. */
  async release(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.wake?.();
    if (!this.leading) return;
    this.setLeading(false);
    await this.renewing;
    // A conflict means the lease moved since we read it (a renewal of ours landing late): read again.
    for (let attempt = 1; ; attempt++) {
      try {
        const lease = await this.client.get<Lease>(LEASE_TYPE, this.config.name, this.config.namespace);
        if (lease.spec.holderIdentity !== this.config.identity) return;
        const at = rfc3339Micro(this.clock.now());
        await this.client.update(LEASE_TYPE, {
          ...lease,
          spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: at, acquireTime: at },
        });
        this.config.log?.info({ lease: this.config.name }, 'released leader lease');
        return;
      } catch (err) {
        if (isConflict(err) && attempt < 3) continue;
        this.config.log?.warn({ err: (err as Error).message }, 'could not release leader lease');
        return;
      }
    }
  }

  private scheduleRenewals(): void {
    let lastRenew = this.clock.now();
    const tick = async () => {
      if (this.stopped) return;
      // Give up on a request that would outlive the renew deadline: a late answer is no renewal. In
      // doubt the deadline has passed already; each attempt then gets a deadline's length.
      const { renewDeadlineMs } = this.config;
      const remaining = this.inDoubt ? renewDeadlineMs : Math.max(1, lastRenew + renewDeadlineMs - this.clock.now());
      this.renewing = this.tryAcquireOrRenew(AbortSignal.timeout(remaining)).catch(() => false);
      const ok = await this.renewing;
      this.renewing = undefined;
      if (this.stopped || !this.leading) return; // lost to another holder (tryAcquireOrRenew saw it)
      if (ok) {
        if (this.inDoubt)
          this.config.log?.info(
            { lease: this.config.name, inDoubtMs: this.clock.now() - lastRenew - renewDeadlineMs },
            'renewed leader lease again; writes resume',
          );
        lastRenew = this.clock.now();
        this.setInDoubt(false);
      } else if (!this.inDoubt && this.clock.now() - lastRenew >= renewDeadlineMs) {
        this.config.log?.warn(
          { lease: this.config.name },
          'failed to renew leader lease within the renew deadline; writes are held until it is renewed, or given up when another replica holds it',
        );
        this.setInDoubt(true);
      }
      this.timer = this.clock.setTimeout(tick, this.config.retryPeriodMs);
    };
    this.timer = this.clock.setTimeout(tick, this.config.retryPeriodMs);
  }

  /** A leader's renewal: PUT the lease it last wrote with a new renewTime; undefined when that conflicts. */
  private async renewHeld(signal?: AbortSignal): Promise<boolean | undefined> {
    const held = this.held;
    if (!held || held.spec.holderIdentity !== this.config.identity) return undefined;
    try {
      const updated = await this.client.request<Lease>(
        'PUT',
        resourcePath(LEASE_TYPE, held.metadata.namespace, held.metadata.name),
        {
          body: { ...held, spec: { ...held.spec, renewTime: rfc3339Micro(this.clock.now()) } },
          signal,
        },
      );
      this.wrote(updated);
      return true;
    } catch (err) {
      this.held = undefined;
      return isConflict(err) ? undefined : this.failed(err);
    }
  }

  private wrote(lease: Lease): void {
    this.held = lease;
    this.observedRecord = JSON.stringify(lease.spec);
    this.observedAt = this.clock.now();
  }

  private async tryAcquireOrRenew(signal?: AbortSignal): Promise<boolean> {
    if (this.leading) {
      const renewed = await this.renewHeld(signal);
      if (renewed !== undefined) return renewed;
    }
    const { namespace, name, identity, leaseDurationMs } = this.config;
    const nowIso = rfc3339Micro(this.clock.now());
    let lease: Lease;
    try {
      lease = await this.client.request<Lease>('GET', resourcePath(LEASE_TYPE, namespace, name), { signal });
    } catch (err) {
      if (!isNotFound(err)) {
        this.observedRecord = ''; // unseen for a while: the next read starts the expiry count afresh
        return this.failed(err);
      }
      try {
        const created = await this.client.create<Lease & KubernetesObject>(LEASE_TYPE, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
            acquireTime: nowIso,
            renewTime: nowIso,
            leaseTransitions: 0,
          },
        });
        this.wrote(created);
        return true;
      } catch (createErr) {
        return isAlreadyExists(createErr) ? false : this.failed(createErr);
      }
    }

    const record = JSON.stringify(lease.spec);
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAt = this.clock.now();
    }
    const holder = lease.spec.holderIdentity ?? '';
    if (this.leading && holder !== identity) {
      // Another candidate wrote the lease since we last renewed it: it may lead now, so we do not.
      this.config.log?.error({ lease: name, holder }, 'leader lease taken by another replica');
      this.setLeading(false);
      return false;
    }
    const durationMs = (lease.spec.leaseDurationSeconds ?? 0) * 1000;
    if (holder && holder !== identity && this.observedAt + durationMs > this.clock.now()) return false;

    const takingOver = holder !== identity;
    try {
      const updated = await this.client.request<Lease>('PUT', resourcePath(LEASE_TYPE, namespace, name), {
        body: {
          ...lease,
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
            acquireTime: takingOver ? nowIso : lease.spec.acquireTime,
            renewTime: nowIso,
            leaseTransitions: (lease.spec.leaseTransitions ?? 0) + (takingOver ? 1 : 0),
          },
        },
        signal,
      });
      this.wrote(updated);
      return true;
    } catch (err) {
      return isConflict(err) ? false : this.failed(err);
    }
  }

  private failed(err: unknown): false {
    this.config.log?.warn({ err: (err as Error).message }, 'leader election request failed');
    return false;
  }

  private setInDoubt(inDoubt: boolean): void {
    if (this.inDoubt === inDoubt) return;
    this.inDoubt = inDoubt;
    this.config.onDoubt?.(inDoubt);
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.config.log?.info({ lease: this.config.name, identity: this.config.identity, leading }, 'leadership changed');
    this.config.onLeadershipChange?.(leading);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = this.clock.setTimeout(resolve, ms);
    });
  }
}
