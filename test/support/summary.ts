// Prints the plain closing line `N passed, N failed, N skipped` from vitest's JSON report, and
// fails when no test ran at all (an empty run must never look green).
import { readFileSync } from 'node:fs';

interface VitestReport {
  numPassedTests?: number;
  numFailedTests?: number;
  numFailedTestSuites?: number;
  numPendingTests?: number;
  numTodoTests?: number;
}

const file = process.argv[2] ?? 'test-results/vitest.json';
let report: VitestReport;
try {
  report = JSON.parse(readFileSync(file, 'utf8')) as VitestReport;
} catch (err) {
  console.error(`no vitest report at ${file}: ${err instanceof Error ? err.message : String(err)}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
