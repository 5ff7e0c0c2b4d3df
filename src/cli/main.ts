#!/usr/bin/env node
// The `packyard` command (also installed as `kubectl-packyard`, so `kubectl packyard …` runs it).
// Everything else is imported once the Node.js version is known to be one the code runs on.
import { basename } from 'node:path';

const MIN_NODE_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major < MIN_NODE_MAJOR) {
  process.stderr.write(
    `error: packyard needs Node.js ${MIN_NODE_MAJOR} or newer; this is ${process.versions.node} (${process.execPath})\n`,
  );
  process.exit(2);
}

const { closeHttpAgents } = await import('../sources/http-client.js');
const { runCli } = await import('./dispatch.js');
const { Progress } = await import('./progress.js');

const program = basename(process.argv[1] ?? '').startsWith('kubectl-') ? 'kubectl packyard' : 'packyard';
const abort = new AbortController();
process.once('SIGINT', () => abort.abort(new Error('interrupted')));
process.once('SIGTERM', () => abort.abort(new Error('terminated')));
// A reader that goes away (`packyard search x | head`) is not an error of ours.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

let code: number;
try {
  code = await runCli(process.argv.slice(2), {
    program,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    env: process.env,
    progress: new Progress(),
    sources: async () => (await import('../sources/registry-sources.js')).createSources(),
    signal: abort.signal,
  });
} catch (err) {
  // A bug, or an interruption: say so plainly; the stack helps a bug report.
  process.stderr.write(
    `error: ${abort.signal.aborted ? String(abort.signal.reason) : ((err as Error).stack ?? String(err))}\n`,
  );
  code = abort.signal.aborted ? 130 : 1;
}
await closeHttpAgents();
// Pending output first: exit() would cut a large table written to a pipe.
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
process.exit(code);
