// Checks a vitest JSON report: every listed test file has results and every test in it passed.
// A skipped or pending test fails the lane, as in the host CI step: the lane exists to prove that
// the kernel tests ran on this kernel, so a test that did not run must not pass silently.
//   node all-tests-ran.mjs REPORT.json LABEL [FILE...]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const [reportPath, label, ...expectedFiles] = process.argv.slice(2);
const report = JSON.parse(readFileSync(reportPath, 'utf8'));
const problems = report.testResults.flatMap((file) =>
  file.assertionResults
    .filter((test) => test.status !== 'passed')
    .map((test) => `${file.name}: ${test.fullName} (${test.status})`),
);
const reported = new Set(report.testResults.map((file) => file.name));
for (const file of expectedFiles) {
  if (!reported.has(resolve(file))) problems.push(`${file}: no results (the file did not run)`);
}
for (const file of report.testResults) {
  if (file.assertionResults.length === 0)
    problems.push(`${file.name}: no tests ran (${file.message ?? file.status})`);
}
if (problems.length > 0) {
  console.error(`${label}: ${problems.length} tests did not pass:\n${problems.join('\n')}`);
  process.exit(1);
}
console.log(
  `${label}: all ${report.numTotalTests} tests of ${report.testResults.length} files ran and passed`,
);
