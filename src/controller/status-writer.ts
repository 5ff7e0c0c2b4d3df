import type { KubernetesObject } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import type { KubeClient, ResourceType } from './kube-client.js';

type Status = Record<string, unknown>;

/** What our last status write of one object produced, until the cache has caught up with it. */
interface LastWrite {
  /** resourceVersions our writes produced, newest last (a few, for watch events still on their way). */
  versions: string[];
  status: Status;
}

/** Enough to recognise the echoes of a burst of writes to one object. */
const VERSIONS_KEPT = 8;
/**
 * Records are dropped when their echo reaches the cache; one whose object was deleted first never
 * is. Bounded, oldest first, so those cannot pile up (live records are a few in-flight writes).
 */
const RECORDS_KEPT = 10_000;

/**
 * Writes an object's status through the /status subresource (what differs, as a JSON patch behind a
 * test of the uid: see statusPatch), and only when it changed: a reconcile that finds nothing new
 * makes no write at all.
 *
 * "Changed" is judged against the cached object, which lags behind our own writes: after writing B
 * over A, a reconcile that wants A again may still see A in the cache and skip the write, and the
 * echo of B, a status-only update, triggers no reconcile, so B would stay. Hence the writer keeps
 * what it last wrote per object and, while the cache shows another resourceVersion, patches what
 * differs from either; and it tells its own writes' echoes from anyone else's (isOwnWrite).
 */
export class StatusWriter {
  private readonly written = new Map<string, LastWrite>();
  private inFlight = 0;

  /** Status writes in flight now. */
  get writing(): number {
    return this.inFlight;
  }

  constructor(private readonly client: KubeClient) {}

  /** Returns true when a write was made. */
  async write(type: ResourceType, obj: KubernetesObject & { status?: Status }, desired: Status): Promise<boolean> {
    const { name, namespace, uid, resourceVersion } = obj.metadata ?? {};
    const last = uid ? this.written.get(uid) : undefined;
    let patch = mergePatchFor(obj.status ?? {}, desired);
    if (last && last.versions.at(-1) !== resourceVersion) {
      if (Object.keys(mergePatchFor(obj.status ?? {}, last.status)).length === 0) {
        // The cache shows the status we last wrote (under a later resourceVersion, e.g. after a
        // metadata change): it has caught up, and is all there is to compare with.
        this.written.delete(uid!);
      } else {
        // The server holds our last write or something newer than the cache: patch what differs from
        // either (a key already as desired is a no-op for the apiserver, which then bumps nothing).
        patch = { ...mergePatchFor(last.status, desired), ...patch };
      }
    }
    if (Object.keys(patch).length === 0) return false;
    const ops = statusPatch(uid, obj.status, patch);
    this.inFlight++;
    const updated = await this.client
      .jsonPatch<KubernetesObject & { status?: Status }>(type, name!, namespace, ops, 'status')
      .finally(() => this.inFlight--);
    const version = updated?.metadata?.resourceVersion;
    if (uid && version) {
      const versions = [...(last?.versions ?? []).filter((v) => v !== version), version].slice(-VERSIONS_KEPT);
      this.written.delete(uid); // re-inserted last: the Map's order is then oldest write first
      this.written.set(uid, { versions, status: updated.status ?? desired });
      if (this.written.size > RECORDS_KEPT) this.written.delete(this.written.keys().next().value!);
    }
    return true;
  }

  /**
   * Whether this cached object is the echo of one of our own status writes. Once the cache shows
   * our latest write, the record of it is dropped: the cache holds the same.
   */
  isOwnWrite(obj: KubernetesObject): boolean {
    const { uid, resourceVersion } = obj.metadata ?? {};
    const last = uid ? this.written.get(uid) : undefined;
    if (!last || !resourceVersion || !last.versions.includes(resourceVersion)) return false;
    if (last.versions.at(-1) === resourceVersion) this.written.delete(uid!);
    return true;
  }
}

/**
 * The merge patch as JSON patch operations, behind a test of the object's uid: a reconcile that read
 * an object since deleted and re-created under its name (the cache lags) must not write its status
 * into the new one, which a merge patch does (the apiserver drops metadata sent to /status). Keys
 * are set one by one, so what the server holds beyond the cache survives as a merge patch leaves it;
 * a removal adds the key first, so it holds whether or not the server still has it. An object whose
 * cached status is empty gets the whole status at once (/status may not exist yet).
 */
type Operation = { op: 'add' | 'remove' | 'test'; path: string; value?: unknown };

export function statusPatch(uid: string | undefined, current: Status | undefined, patch: Status): Operation[] {
  const ops: Operation[] = uid ? [{ op: 'test', path: '/metadata/uid', value: uid }] : [];
  if (!current || Object.keys(current).length === 0) {
    const whole = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== null));
    return [...ops, { op: 'add', path: '/status', value: whole }];
  }
  for (const [key, value] of Object.entries(patch)) {
    const path = `/status/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (value === null) ops.push({ op: 'add', path, value: null }, { op: 'remove', path });
    else ops.push({ op: 'add', path, value });
  }
  return ops;
}

/** The top-level RFC 7386 merge patch from `current` to `desired`: changed keys, and null for removed ones. */
export function mergePatchFor(current: Status, desired: Status): Status {
  // Compare what the apiserver would store: JSON drops undefined fields and any prototype quirks.
  const json = (v: unknown) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
  const patch: Status = {};
  for (const [key, value] of Object.entries(desired)) {
    if (value !== undefined && !isDeepStrictEqual(json(current[key]), json(value))) patch[key] = value;
  }
  for (const key of Object.keys(current)) {
    if (desired[key] === undefined) patch[key] = null;
  }
  return patch;
}
