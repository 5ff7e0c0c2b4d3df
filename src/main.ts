// The operator's entry point: flags, wiring, graceful shutdown.
import { registerHooks } from 'node:module';
import { resolve } from './controller/client-node/slim-hooks.js';

// Before anything imports client-node: see src/controller/client-node/slim-hooks.ts. registerHooks
// runs the hook in this thread; register() would start a loader thread with a V8 heap of its own
// (about 20 MiB resident for the operator's lifetime).
registerHooks({ resolve });
const { parseOperatorFlags, runOperator } = await import('./operator.js');
const { registerReconcilers } = await import('./reconcilers/register.js');

await runOperator(parseOperatorFlags(process.argv.slice(2)), registerReconcilers);
