import type { ResolveHookSync } from 'node:module';
import { LAZY_DEPENDENCIES } from './lazy-dependencies.js';

/**
 * A module resolution hook (node:module registerHooks, in the loading thread) that points client-node's KubeConfig at
 * `slim-gen` instead of the generated barrel, so the operator loads the kubeconfig loader and auth
 * without every API model: idle RSS drops by about a third. It also defers client-node's undici,
 * OIDC, cloud-auth and proxy packages until something calls them (lazy-dependencies.ts). Only these
 * imports of client-node's files are redirected; if a client-node release moves them, the hook simply
 * matches nothing (and test/controller/client-node.test.ts fails, so we notice).
 */
const KUBECONFIG_MODULE = /\/@kubernetes\/client-node\/dist\/config\.js$/;
const CLIENT_NODE_MODULE = /\/@kubernetes\/client-node\/dist\//;

export const resolve: ResolveHookSync = (specifier, context, nextResolve) => {
  if (specifier === './gen/index.js' && KUBECONFIG_MODULE.test(context.parentURL ?? '')) {
    return { url: new URL('./slim-gen.js', import.meta.url).href, shortCircuit: true };
  }
  // client-node's own imports of these load them at first use (see lazy-dependencies.ts); ours are untouched.
  if (LAZY_DEPENDENCIES.has(specifier) && CLIENT_NODE_MODULE.test(context.parentURL ?? '')) {
    return { url: new URL('./lazy-dependencies.js', import.meta.url).href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
};
