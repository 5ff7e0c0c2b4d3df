import type { ResolveHookSync } from 'node:module';

/**
 * A module resolution hook (node:module registerHooks, in the loading thread) that points client-node's KubeConfig at
 * `slim-gen` instead of the generated barrel, so the operator loads the kubeconfig loader, auth and
 * watch without every API model: idle RSS drops by about a third. Only this one import of this one
 * file is redirected; if a client-node release moves it, the hook simply matches nothing (and
 * test/controller/client-node.test.ts fails, so we notice).
 */
const KUBECONFIG_MODULE = /\/@kubernetes\/client-node\/dist\/config\.js$/;

export const resolve: ResolveHookSync = (specifier, context, nextResolve) => {
  if (specifier === './gen/index.js' && KUBECONFIG_MODULE.test(context.parentURL ?? '')) {
    return { url: new URL('./slim-gen.js', import.meta.url).href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
};
