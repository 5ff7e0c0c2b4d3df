/**
 * The part of @kubernetes/client-node the runtime uses (its kubeconfig loader and auth; requests and
 * watches go through src/controller/apiserver-transport.ts), imported from their own modules rather than
 * the package's barrel, which loads every generated API model (about 84 MiB resident). With
 * `slim-hooks` registered (src/main.ts does), KubeConfig's own import of the generated barrel is
 * narrowed too; see there.
 */
export { KubeConfig } from '@kubernetes/client-node/dist/config.js';
