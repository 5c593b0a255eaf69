// Checks a vitest JSON report: every listed test file has results and every test in it passed.
// A skipped or pending test fails the lane, as in the host CI step: the lane exists to prove that
// the kernel tests ran on this kernel, so a test that did not run must not pass silently.
// Tests named in a known-failures file (guest-known-failures.txt) that were filtered out are listed
// as known, not passed.
//   node all-tests-ran.mjs REPORT.json LABEL [--known FILE] [FILE...]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const args = process.argv.slice(2);
const [reportPath, label] = args;
let rest = args.slice(2);
let known = [];
if (rest[0] === '--known') {
  known = readFileSync(rest[1], 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split('\t'));
  rest = rest.slice(2);
}
const expectedFiles = rest;
const report = JSON.parse(readFileSync(reportPath, 'utf8'));
const knownReason = (name) => known.find(([title]) => name.includes(title))?.[1];
const knownSeen = [];
const problems = report.testResults.flatMap((file) =>
  file.assertionResults
    .filter((test) => test.status !== 'passed')
    .filter((test) => {
      const reason = test.status === 'skipped' ? knownReason(test.fullName) : undefined;
      if (reason) knownSeen.push(`${file.name}: ${test.fullName}: ${reason}`);
      return reason === undefined;
    })
    .map((test) => `${file.name}: ${test.fullName} (${test.status})`),
);
if (knownSeen.length > 0) {
  console.log(`${label}: ${knownSeen.length} known failures not run here:\n  ${knownSeen.join('\n  ')}`);
}
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
