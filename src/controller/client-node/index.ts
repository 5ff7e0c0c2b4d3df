/**
 * The parts of @kubernetes/client-node the runtime uses, imported from their own modules rather than
 * the package's barrel, which loads every generated API model (about 84 MiB resident). With
 * `slim-hooks` registered (src/main.ts does), KubeConfig's own import of the generated barrel is
 * narrowed too; see there.
 */
export { KubeConfig } from '@kubernetes/client-node/dist/config.js';
export { Watch } from '@kubernetes/client-node/dist/watch.js';
export { HttpMethod, RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
