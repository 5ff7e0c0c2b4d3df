#!/usr/bin/env node
// The `packyard` and `kubectl-packyard` bins. A committed, executable launcher: the build recreates
// build/ without execute bits, and npx runs a bin file directly.
try {
  await import('../build/src/cli/main.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('build/src/cli/main.js')) {
    process.stderr.write(
      'error: packyard is not built yet: run `make build` (or `npm install && npm run build`) first\n',
    );
    process.exit(2);
  }
  throw err;
}
