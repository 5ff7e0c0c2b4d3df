import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { STATUS_CODES } from 'node:http';
import { createInterface } from 'node:readline';
import { text } from 'node:stream/consumers';
import { ApiserverTransport } from './apiserver-transport.js';
import type { WriteFence } from './write-fence.js';

import type { ResourceType } from '../api/resource-types.js';

export type { ResourceType };

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

export function resourcePath(type: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const ns = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const tail = [name, subresource]
    .filter(Boolean)
    .map((s) => `/${encodeURIComponent(s!)}`)
    .join('');
  return `${base}${ns}/${type.plural}${tail}`;
}

/** An error status from the apiserver, with its Status reason (Conflict, NotFound, Invalid, …). */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export const isNotFound = (err: unknown) => err instanceof KubeApiError && err.code === 404;
export const isConflict = (err: unknown) => err instanceof KubeApiError && err.code === 409;
export const isAlreadyExists = (err: unknown) => isConflict(err) && (err as KubeApiError).reason === 'AlreadyExists';

export interface KubeList<T> {
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

/**
 * Transport errors that mean the connection went away under the request (a keep-alive connection the
 * server closed, a reset) rather than an answer: an idempotent request is sent again on a new one.
 */
const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE']);
const ATTEMPTS = 3;

export type RequestObserver = (method: string, path: string, code: number) => void;

const CONTENT_TYPES = {
  merge: 'application/merge-patch+json',
  jsonPatch: 'application/json-patch+json',
  json: 'application/json',
  apply: 'application/apply-patch+yaml',
} as const;

/**
 * A thin typed client over the apiserver's REST API. Written by hand on top of client-node's auth
 * because the generated clients pick JSON patch for every patch and hide the request count, and we
 * need merge patches on /status and a request counter for the "zero writes when unchanged" guarantee.
 */
export class KubeClient {
  private readonly server: string;
  private readonly transport: ApiserverTransport;

  constructor(
    readonly kubeConfig: KubeConfig,
    private readonly observe: RequestObserver = () => {},
    /** A leader's controllers write through it, so they stop writing while its lease is in doubt. */
    private readonly fence?: WriteFence,
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/$/, '');
    this.transport = new ApiserverTransport(kubeConfig);
  }

  async request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    opts: {
      query?: Record<string, string | number | boolean | undefined>;
      body?: unknown;
      contentType?: string;
      signal?: AbortSignal;
    } = {},
  ): Promise<T> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (opts.body !== undefined) headers['Content-Type'] = opts.contentType ?? CONTENT_TYPES.json;
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const signal = opts.signal ?? AbortSignal.timeout(30_000);
    // POST creates: sent twice it could create twice (an Event under another name). PUT carries its
    // resourceVersion, merge and apply patches land the same however often they are applied.
    const idempotent = method !== 'POST';
    const send = async (signal: AbortSignal) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.transport.send(method, url, { headers, body, signal });
        } catch (err) {
          if (!idempotent || attempt >= ATTEMPTS || !connectionLost(err)) throw err;
        }
      }
    };
    const response = this.fence && method !== 'GET' ? await this.fence.write(signal, send) : await send(signal);
    const status = response.statusCode ?? 0;
    this.observe(method, path, status);
    const answer = await text(response);
    const parsed = answer ? safeJson(answer) : undefined;
    if (status < 200 || status > 299) {
      const failure = (parsed ?? {}) as { reason?: string; message?: string };
      throw new KubeApiError(
        status,
        failure.reason ?? 'Unknown',
        failure.message ?? `${method} ${path}: HTTP ${status}`,
      );
    }
    return parsed as T;
  }

  /** Closes the pooled connections (idle ones would not keep the process alive either way). */
  async close(): Promise<void> {
    this.transport.close();
  }

  get<T extends KubernetesObject>(type: ResourceType, name: string, namespace?: string): Promise<T> {
    return this.request('GET', resourcePath(type, namespace, name));
  }

  /** Lists every page; `limit` keeps each response bounded for large collections such as Packs. */
  async list<T extends KubernetesObject>(
    type: ResourceType,
    opts: { namespace?: string; labelSelector?: string; limit?: number; signal?: AbortSignal } = {},
  ): Promise<KubeList<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const page: KubeList<T> = await this.request('GET', resourcePath(type, opts.namespace), {
        query: { labelSelector: opts.labelSelector, limit: opts.limit ?? 500, continue: cont },
        signal: opts.signal,
      });
      items.push(...page.items);
      cont = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion;
    } while (cont);
    return { metadata: { resourceVersion }, items };
  }

  create<T extends KubernetesObject>(type: ResourceType, obj: T, opts: { dryRun?: boolean } = {}): Promise<T> {
    return this.request('POST', resourcePath(type, obj.metadata?.namespace), {
      body: obj,
      query: { dryRun: opts.dryRun ? 'All' : undefined },
    });
  }

  update<T extends KubernetesObject>(type: ResourceType, obj: T): Promise<T> {
    return this.request('PUT', resourcePath(type, obj.metadata?.namespace, obj.metadata?.name), { body: obj });
  }

  mergePatch<T extends KubernetesObject>(
    type: ResourceType,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    subresource?: 'status',
  ): Promise<T> {
    return this.request('PATCH', resourcePath(type, namespace, name, subresource), {
      body: patch,
      contentType: CONTENT_TYPES.merge,
    });
  }

  /** An RFC 6902 JSON patch: its `test` operations are preconditions (a merge patch ignores metadata on /status). */
  jsonPatch<T extends KubernetesObject>(
    type: ResourceType,
    name: string,
    namespace: string | undefined,
    operations: readonly { op: 'add' | 'remove' | 'replace' | 'test'; path: string; value?: unknown }[],
    subresource?: 'status',
  ): Promise<T> {
    return this.request('PATCH', resourcePath(type, namespace, name, subresource), {
      body: operations,
      contentType: CONTENT_TYPES.jsonPatch,
    });
  }

  /** Server-side apply, for manifests such as CRDs. */
  apply<T extends KubernetesObject>(type: ResourceType, obj: T, fieldManager: string): Promise<T> {
    return this.request('PATCH', resourcePath(type, obj.metadata?.namespace, obj.metadata?.name), {
      body: obj,
      contentType: CONTENT_TYPES.apply,
      query: { fieldManager, force: true },
    });
  }

  async delete(type: ResourceType, name: string, namespace?: string): Promise<void> {
    await this.request('DELETE', resourcePath(type, namespace, name), { body: { propagationPolicy: 'Background' } });
  }

  /**
   * Starts a watch (in one namespace when given); `onDone` is called once when it ends for any reason:
   * the server closing it (null), an error (an Error with statusCode for an HTTP answer, as client-node's
   * Watch reports it), or `idleTimeoutMs` without a byte (a TimeoutError: with bookmarks on, silence is a stall).
   */
  async watch(
    type: ResourceType,
    query: Record<string, string>,
    onEvent: (phase: string, obj: KubernetesObject & { code?: number }) => void,
    onDone: (err: unknown) => void,
    idleTimeoutMs: number,
    namespace?: string,
  ): Promise<AbortController> {
    const path = resourcePath(type, namespace);
    const url = new URL(this.server + path);
    url.searchParams.set('watch', 'true');
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    this.observe('WATCH', path, 0);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const resetTimer = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, idleTimeoutMs).unref();
    };
    let done = false;
    const finish = (err: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      controller.abort();
      onDone(err && timedOut ? new DOMException(`watch ${path}: silent for ${idleTimeoutMs} ms`, 'TimeoutError') : err);
    };
    try {
      resetTimer();
      const response = await this.transport.send('GET', url, {
        headers: { Accept: 'application/json' },
        signal: controller.signal,
        watch: true,
      });
      if (response.statusCode !== 200) {
        response.resume();
        const error = new Error(STATUS_CODES[response.statusCode ?? 500] ?? `HTTP ${response.statusCode}`);
        throw Object.assign(error, { statusCode: response.statusCode });
      }
      resetTimer();
      response.on('data', resetTimer);
      response.on('error', finish);
      const lines = createInterface({ input: response, crlfDelay: Infinity });
      lines.on('line', (line) => {
        let event: { type: string; object: KubernetesObject & { code?: number } };
        try {
          event = JSON.parse(line);
        } catch {
          return; // a torn line from a dropped connection; the informer resumes from its last resourceVersion
        }
        onEvent(event.type, event.object);
      });
      lines.on('error', finish);
      lines.on('close', () => finish(null));
    } catch (err) {
      finish(err);
    }
    return controller;
  }
}

function connectionLost(err: unknown): boolean {
  return CONNECTION_LOST.has((err as { code?: string })?.code ?? '');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 500) };
  }
}
