import { createRequire } from 'node:module';

/**
 * undici as client-node's modules import it, loaded at first use instead of at import: KubeConfig
 * imports its Agent and ProxyAgent (and the generated HTTP library its fetch) at the top, but the
 * operator sends requests through src/controller/apiserver-transport.ts and never calls them, and
 * undici costs an idle process about 10 MiB. slim-hooks points client-node's `import 'undici'` here.
 * Each export hands out the real thing (undici is CommonJS, so it can be required synchronously).
 */
const require = createRequire(import.meta.url);
let undici: typeof import('undici') | undefined;
const real = () => (undici ??= require('undici') as typeof import('undici'));

export class Agent {
  constructor(...args: ConstructorParameters<typeof import('undici').Agent>) {
    return new (real().Agent)(...args);
  }
}

export class ProxyAgent {
  constructor(...args: ConstructorParameters<typeof import('undici').ProxyAgent>) {
    return new (real().ProxyAgent)(...args);
  }
}

export const fetch: typeof import('undici').fetch = (...args) => real().fetch(...args);
