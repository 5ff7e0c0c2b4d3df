// The operator's entry point: flags, wiring, graceful shutdown.
import { register } from 'node:module';

// Before anything imports client-node: see src/controller/client-node/slim-hooks.ts.
register('./controller/client-node/slim-hooks.js', import.meta.url);
const { parseOperatorFlags, runOperator } = await import('./operator.js');
const { registerReconcilers } = await import('./reconcilers/register.js');

await runOperator(parseOperatorFlags(process.argv.slice(2)), registerReconcilers);
