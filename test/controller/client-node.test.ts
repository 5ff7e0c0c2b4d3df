// The operator loads client-node's KubeConfig (its kubeconfig loader and auth) without the generated
// API models: checked in a real node process with the same hook src/main.ts registers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUILD_SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Runs a fresh node that registers `hooks` (if any), imports the runtime's client-node module and a kubeconfig, and reports what it loaded. */
function load(withSlimHooks: boolean): {
  models: number;
  clientNodeModules: number;
  header: string;
  undiciAtIdle: string;
  dispatcher: string;
  lazyAtIdle: string;
  proxyAgent: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'packyard-client-node-'));
  const record = join(dir, 'loaded.txt');
  // As src/main.ts does: registerHooks, in this thread; the recorder goes first, so it sees what the slim hook chose.
  const script = `
    import { registerHooks } from 'node:module';
    import { appendFileSync, readFileSync } from 'node:fs';
    registerHooks({ resolve(s, c, n) { const r = n(s, c); appendFileSync(${JSON.stringify(record)}, r.url + '\\n'); return r; } });
    ${withSlimHooks ? `registerHooks(await import(${JSON.stringify(`file://${BUILD_SRC}controller/client-node/slim-hooks.js`)}));` : ''}
    const { KubeConfig } = await import(${JSON.stringify(`file://${BUILD_SRC}controller/client-node/index.js`)});
    const kc = new KubeConfig();
    kc.loadFromString('apiVersion: v1\\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]\\nusers: [{name: u, user: {token: t0ken}}]\\ncontexts: [{name: x, context: {cluster: c, user: u}}]\\ncurrent-context: x');
    const opts = {};
    await kc.applyToHTTPSOptions(opts); // what src/controller/apiserver-transport.ts asks for each request
    console.log('HEADER ' + opts.headers.Authorization);
    // client-node's undici is loaded only when called, and then it is the real one.
    const undiciLoaded = () => readFileSync(${JSON.stringify(record)}, 'utf8').includes('/node_modules/undici/');
    console.log('UNDICI ' + undiciLoaded());
    const dispatcher = kc.createDispatcher(kc.getCurrentCluster(), { rejectUnauthorized: true });
    console.log('DISPATCHER ' + undiciLoaded() + ' ' + typeof dispatcher.dispatch);
    // The OIDC, cloud-auth and proxy packages likewise: none at idle; an http proxy-url gets hpagent's real agent.
    const loaded = (pkg) => readFileSync(${JSON.stringify(record)}, 'utf8').includes('/node_modules/' + pkg + '/');
    console.log('LAZY ' + ['openid-client', 'jsonpath-plus', 'socks', 'socks-proxy-agent', 'hpagent'].filter(loaded).join(',') + '.');
    const proxied = new KubeConfig();
    proxied.loadFromString('apiVersion: v1\\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:6443", proxy-url: "http://127.0.0.1:3128"}}]\\nusers: [{name: u, user: {token: t0ken}}]\\ncontexts: [{name: x, context: {cluster: c, user: u}}]\\ncurrent-context: x');
    const proxiedOpts = {};
    await proxied.applyToHTTPSOptions(proxiedOpts);
    const { HttpsProxyAgent } = await import('hpagent');
    console.log('PROXY ' + loaded('hpagent') + ' ' + (proxiedOpts.agent instanceof HttpsProxyAgent));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: BUILD_SRC,
  });
  const urls = readFileSync(record, 'utf8').split('\n');
  rmSync(dir, { recursive: true, force: true });
  return {
    models: urls.filter((u) => u.includes('/client-node/dist/gen/models/')).length,
    clientNodeModules: urls.filter((u) => u.includes('/@kubernetes/client-node/')).length,
    header: /HEADER (.*)/.exec(out)?.[1] ?? '',
    undiciAtIdle: /UNDICI (.*)/.exec(out)?.[1] ?? '',
    dispatcher: /DISPATCHER (.*)/.exec(out)?.[1] ?? '',
    lazyAtIdle: /LAZY (.*)/.exec(out)?.[1] ?? '',
    proxyAgent: /PROXY (.*)/.exec(out)?.[1] ?? '',
  };
}

describe('client-node, slimmed', () => {
  it('authenticates requests from a kubeconfig without loading a single generated model', () => {
    const slim = load(true);
    expect(slim.header).toBe('Bearer t0ken');
    expect(slim.models).toBe(0);
  });

  it("loads client-node's undici only when called, and then the real one", () => {
    const slim = load(true);
    expect(slim.undiciAtIdle).toBe('false');
    expect(slim.dispatcher).toBe('true function');
    // Without the hook it is there from the start.
    expect(load(false).undiciAtIdle).toBe('true');
  });

  it("loads client-node's OIDC, cloud-auth and proxy packages only when a kubeconfig needs them, and then the real ones", () => {
    const slim = load(true);
    expect(slim.lazyAtIdle).toBe('.');
    expect(slim.proxyAgent).toBe('true true');
    // Without the hook every one is there from the start.
    expect(load(false).lazyAtIdle).toBe('openid-client,jsonpath-plus,socks,socks-proxy-agent,hpagent.');
  });

  it('would load the generated models without the hook (so the hook is what keeps them out)', () => {
    const full = load(false);
    expect(full.header).toBe('Bearer t0ken');
    expect(full.models).toBeGreaterThan(1000);
  });
});
