// Prints jest's result file as the one plain line CI reads: "N passed, N failed".
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results/jest.json';
let results;
try {
  results = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.log(`test-summary: no readable jest results at ${file}: ${err.message}`);
  console.log('0 passed, 1 failed');
  process.exit(0);
}
// A suite that fails to load (syntax error, global setup failure) has no test results of its own.
const brokenSuites = results.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
const failed = results.numFailedTests + brokenSuites + (results.numTotalTests === 0 ? 1 : 0);
console.log(`${results.numPassedTests} passed, ${failed} failed`);
