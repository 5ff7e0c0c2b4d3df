import type { KubernetesObject } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { KubeClient, ResourceType } from './kube-client.js';

export const EVENT_TYPE: ResourceType = {
  group: 'events.k8s.io',
  version: 'v1',
  plural: 'events',
  kind: 'Event',
  namespaced: true,
};

export type EventSeverity = 'Normal' | 'Warning';

interface Recorded {
  name: string;
  namespace: string;
  count: number;
  lastSeen: number;
}

/**
 * Records events.k8s.io/v1 Events. A repeat of the same event on the same object within the dedup
 * window updates the existing Event's series instead of creating a new one, as client-go does.
 * Failures are logged, never thrown: an event is never worth failing a reconcile for.
 */
export class EventRecorder {
  private readonly recent = new Map<string, Recorded>();

  constructor(
    private readonly client: KubeClient,
    private readonly controller: string,
    private readonly instance: string,
    private readonly log?: Logger,
    private readonly dedupWindowMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async record(
    regarding: KubernetesObject,
    severity: EventSeverity,
    reason: string,
    note: string,
    action = 'Reconcile',
  ): Promise<void> {
    const uid = regarding.metadata?.uid ?? '';
    const dedupKey = `${uid}\u0000${severity}\u0000${reason}\u0000${note}`;
    const previous = this.recent.get(dedupKey);
    const now = this.now();
    try {
      if (previous && now - previous.lastSeen < this.dedupWindowMs) {
        previous.count++;
        previous.lastSeen = now;
        await this.client.mergePatch(EVENT_TYPE, previous.name, previous.namespace, {
          series: { count: previous.count, lastObservedTime: microTime(now) },
        });
        return;
      }
      // Cluster-scoped objects get their events in `default`, as client-go does.
      const namespace = regarding.metadata?.namespace || 'default';
      const name = `${regarding.metadata?.name}.${randomBytes(8).toString('hex')}`;
      await this.client.create(EVENT_TYPE, {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name, namespace },
        eventTime: microTime(now),
        reportingController: this.controller,
        reportingInstance: this.instance,
        action,
        reason,
        note: note.slice(0, 1024),
        type: severity,
        regarding: {
          apiVersion: regarding.apiVersion,
          kind: regarding.kind,
          name: regarding.metadata?.name,
          namespace: regarding.metadata?.namespace,
          uid,
          resourceVersion: regarding.metadata?.resourceVersion,
        },
      } as KubernetesObject);
      this.remember(dedupKey, { name, namespace, count: 1, lastSeen: now });
    } catch (err) {
      this.log?.warn({ reason, err: (err as Error).message }, 'could not record event');
    }
  }

  private remember(key: string, rec: Recorded): void {
    this.recent.set(key, rec);
    if (this.recent.size > 4096) {
      const cutoff = this.now() - this.dedupWindowMs;
      for (const [k, v] of this.recent) if (v.lastSeen < cutoff) this.recent.delete(k);
    }
  }
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
