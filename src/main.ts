// The operator's entry point: flags, wiring, graceful shutdown.
import { parseOperatorFlags, runOperator } from './operator.js';
import { registerReconcilers } from './reconcilers/register.js';

await runOperator(parseOperatorFlags(process.argv.slice(2)), registerReconcilers);
