export { toolPath } from '../../src/local/tools.js';
