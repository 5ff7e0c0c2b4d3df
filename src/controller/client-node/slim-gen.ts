// What client-node's KubeConfig takes from its generated barrel (dist/gen/index.js), and nothing
// else: the barrel also re-exports ~2,700 model and API modules that KubeConfig never uses.
export { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js';
export { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
