import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createGzip, gzipSync } from 'node:zlib';
import { UPDATE_REQUESTED_ANNOTATION } from '../api/clusterprofile.js';
import { SYNC_REQUESTED_ANNOTATION } from '../api/packregistry.js';
import { CLUSTERPROFILE, PACKREGISTRY } from '../api/resource-types.js';
import { KubeApiError, KubeClient } from '../controller/kube-client.js';
import { DEFAULT_OPERATOR_NAMESPACE } from '../api/names.js';
import { readValuesSources } from '../reconcilers/values-sources.js';
import { ContentCache, DEFAULT_CONTENT_MEMORY_BYTES } from '../sources/content/content-cache.js';
import { PackContentSource } from '../sources/content/pack-content.js';
import { checkAccess, whoAmI } from './access.js';
import { indexPage, loadAssets, type Asset } from './assets.js';
import { ClusterView, type ViewPatch } from './cluster-view.js';
import { compose, validateDraft, type Composition, type Draft } from './compose.js';
import { readRegistryAccess } from './registry-access.js';
import { newToken, presentedTokens, tokenMatches } from './token.js';

export interface UiServerOptions {
  kubeConfig: KubeConfig;
  /** 0 (the default) takes any free port. */
  port?: number;
  /** Defaults to a fresh random token. */
  token?: string;
  /** The operator's namespace, where registry Secrets live (default packyard-system). */
  namespace?: string;
  /** Where chart and pack files are cached on disk (the CLI's cache); memory only when unset. */
  contentCacheDir?: string;
  /** How long the composer's answer may take (default COMPOSE_TIMEOUT_MS). */
  composeTimeoutMs?: number;
}

/** Field manager of the composer's server-side apply: `kubectl get -o yaml --show-managed-fields` names it. */
export const FIELD_MANAGER = 'packyard-ui';
const HOST = '127.0.0.1';
/** A comment line on the event stream this often keeps proxies and the browser from timing it out. */
const HEARTBEAT_MS = 25_000;
const MAX_BODY_BYTES = 1024 * 1024;
/** The composer's values step reads the chosen versions' files: a registry that hangs fails the answer, not the page. */
export const COMPOSE_TIMEOUT_MS = 30_000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `packyard ui`: the page and its API on 127.0.0.1 only. Nothing answers without the token, the
 * Host must be this loopback address (no DNS rebinding), and every read and write goes to the
 * apiserver with the person's own kubeconfig, so their RBAC applies and no credential of ours exists.
 */
export class UiServer {
  readonly token: string;
  private readonly client: KubeClient;
  readonly view: ClusterView;
  private readonly assets = loadAssets();
  private readonly index = indexPage();
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly streams = new Set<() => void>();
  /** Chart and pack files by digest for the composer's values step: memory bounded, as the operator's. */
  private readonly content: PackContentSource;
  /** Who the kubeconfig authenticates as, asked once: named in a refused valuesFrom. */
  private user?: Promise<string>;
  private port = 0;

  constructor(private readonly opts: UiServerOptions) {
    this.token = opts.token ?? newToken();
    this.client = new KubeClient(opts.kubeConfig);
    this.view = new ClusterView(this.client);
    this.content = new PackContentSource({
      cache: new ContentCache(DEFAULT_CONTENT_MEMORY_BYTES, opts.contentCacheDir),
      timeoutMs: this.limitMs,
    });
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** The URL to open: the only way in. */
  get url(): string {
    return `http://${HOST}:${this.port}/?token=${this.token}`;
  }

  get origin(): string {
    return `http://${HOST}:${this.port}`;
  }

  private get cookieName(): string {
    // Cookies ignore ports: two UIs on one machine must not read each other's.
    return `packyard-ui-${this.port}`;
  }

  async start(): Promise<void> {
    this.server.listen(this.opts.port ?? 0, HOST);
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
    await this.view.start();
  }

  async close(): Promise<void> {
    for (const end of this.streams) end();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([closed, this.view.stop()]);
    await this.client.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    try {
      const host = req.headers.host ?? '';
      if (host !== `${HOST}:${this.port}` && host !== `localhost:${this.port}`)
        throw new HttpError(421, `this server answers for ${HOST}:${this.port} only`);
      if (!tokenMatches(this.token, presentedTokens(req, this.cookieName))) {
        throw new HttpError(401, 'the token is missing or wrong: open the URL that `packyard ui` printed');
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') this.checkWriteRequest(req);
      await this.route(req, res);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = err instanceof HttpError ? err.status : err instanceof KubeApiError ? err.code : 500;
      const message = err instanceof KubeApiError ? `${err.reason}: ${err.message}` : (err as Error).message;
      if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="packyard-ui"');
      sendJson(req, res, status, { error: message });
    }
  }

  /** Writes come from the page only: same origin, JSON (which a cross-site form cannot send without a preflight). */
  private checkWriteRequest(req: IncomingMessage): void {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== this.origin && origin !== `http://localhost:${this.port}`)
      throw new HttpError(403, 'cross-origin request refused');
    if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
      throw new HttpError(415, 'send application/json');
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const path = url.pathname;
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/') {
      res.setHeader('Set-Cookie', `${this.cookieName}=${this.token}; Path=/; HttpOnly; SameSite=Strict`);
      res.setHeader('Content-Security-Policy', this.index.csp);
      return sendAsset(req, res, this.index);
    }
    if (method === 'GET' && parts[0] === 'assets') {
      const asset = this.assets.get(parts.slice(1).join('/'));
      if (!asset) throw new HttpError(404, `no asset ${path}`);
      return sendAsset(req, res, asset);
    }
    if (parts[0] !== 'api') throw new HttpError(404, `nothing at ${path}`);
    const route = `${method} ${parts.slice(1, 2).join('')}`;
    switch (route) {
      case 'GET events':
        return this.events(req, res);
      case 'GET packs': {
        const pack = this.view.packs.get(parts[2] ?? '');
        if (!pack) throw new HttpError(404, `no Pack ${parts[2]}`);
        return sendJson(req, res, 200, pack);
      }
      case 'GET access':
        return sendJson(req, res, 200, await checkAccess(this.client, url.searchParams.getAll('namespace')));
      case 'POST registries':
        if (parts.length !== 4 || parts[3] !== 'sync') break;
        return sendJson(req, res, 200, await this.annotate('registry', parts[2], undefined, SYNC_REQUESTED_ANNOTATION));
      case 'POST profiles':
        if (parts.length !== 5 || parts[4] !== 'update') break;
        return sendJson(req, res, 200, await this.annotate('profile', parts[3], parts[2], UPDATE_REQUESTED_ANNOTATION));
      case 'POST compose':
        return sendJson(req, res, 200, await this.compose((await readJson(req)) as Draft));
      case 'POST apply':
        return sendJson(req, res, 200, await this.apply((await readJson(req)) as Draft));
    }
    throw new HttpError(404, `no API ${method} ${path}`);
  }

  /** Sync now / update now: the annotation the operator acts on, set to the time of the request. */
  private async annotate(
    kind: 'registry' | 'profile',
    name: string | undefined,
    namespace: string | undefined,
    annotation: string,
  ) {
    if (!name) throw new HttpError(400, `which ${kind}?`);
    const value = new Date().toISOString();
    await this.client.mergePatch(kind === 'registry' ? PACKREGISTRY : CLUSTERPROFILE, name, namespace, {
      metadata: { annotations: { [annotation]: value } },
    });
    return { annotation, value };
  }

  /**
   * The composer's answer: resolved as the reconciler resolves, values step included, reading with
   * the person's kubeconfig. The answer is given up after the time limit; the archive reads are not
   * tied to this request (another draft may be waiting for the same download, and a finished one is
   * cached), and the content source ends each after the same limit.
   */
  private async compose(draft: Draft): Promise<Composition> {
    const namespace = this.opts.namespace ?? DEFAULT_OPERATOR_NAMESPACE;
    const composing = compose(draft, {
      packs: this.view.catalog(),
      registries: this.view.registryStates(),
      valuesSources: async (ns, packs) => readValuesSources(this.client, ns, packs, await this.whoAmI()),
      registryAccess: (names) => readRegistryAccess(this.client, (n) => this.view.registries.get(n), names, namespace),
      source: this.content,
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new HttpError(504, `the chosen versions' files could not be read within ${this.limitMs / 1000}s`)),
        this.limitMs,
      );
    });
    composing.catch(() => {}); // given up on: its failure has no one to go to
    try {
      return await Promise.race([composing, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private get limitMs(): number {
    return this.opts.composeTimeoutMs ?? COMPOSE_TIMEOUT_MS;
  }

  private whoAmI(): Promise<string> {
    this.user ??= whoAmI(this.client);
    return this.user;
  }

  /** Applies a composed profile (server-side apply), only when it is valid: the same check the page shows. */
  private async apply(draft: Draft) {
    const composed = validateDraft(draft);
    if (composed.invalid.length > 0) {
      throw new HttpError(422, composed.invalid.map((e) => `${e.field}: ${e.message}`).join('; '));
    }
    const applied = await this.client.apply<KubernetesObject>(
      CLUSTERPROFILE,
      composed.object as KubernetesObject,
      FIELD_MANAGER,
    );
    return {
      namespace: applied.metadata?.namespace,
      name: applied.metadata?.name,
      generation: applied.metadata?.generation,
    };
  }

  /** Server-sent events: the whole view first, then batched patches as the watches report changes. */
  private events(req: IncomingMessage, res: ServerResponse): void {
    const gzip = acceptsGzip(req);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      ...(gzip && { 'Content-Encoding': 'gzip' }),
    });
    const zip = gzip ? createGzip() : undefined;
    zip?.pipe(res);
    const write = (text: string) => {
      if (zip) {
        zip.write(text);
        zip.flush();
      } else {
        res.write(text);
      }
    };
    const send = (event: string, data: unknown) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('snapshot', this.view.snapshot());
    const unsubscribe = this.view.subscribe((patch: ViewPatch) => send('patch', patch));
    const heartbeat = setInterval(() => write(': keep-alive\n\n'), HEARTBEAT_MS);
    const end = () => {
      clearInterval(heartbeat);
      unsubscribe();
      this.streams.delete(end);
      if (zip) zip.end();
      else res.end();
    };
    this.streams.add(end);
    req.once('close', end);
  }
}

function acceptsGzip(req: IncomingMessage): boolean {
  return /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
}

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const gzip = acceptsGzip(req);
  const body = gzip ? asset.gzip : asset.body;
  res.writeHead(200, {
    'Content-Type': asset.type,
    'Content-Length': body.length,
    Vary: 'Accept-Encoding',
    ...(gzip && { 'Content-Encoding': 'gzip' }),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendJson(req: IncomingMessage, res: ServerResponse, status: number, value: unknown): void {
  const json = Buffer.from(JSON.stringify(value));
  const gzip = acceptsGzip(req) && json.length > 1024;
  res.setHeader('Vary', 'Accept-Encoding');
  const body = gzip ? gzipSync(json) : json;
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': body.length,
    ...(gzip && { 'Content-Encoding': 'gzip' }),
  });
  res.end(body);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the request body is not JSON');
  }
}
