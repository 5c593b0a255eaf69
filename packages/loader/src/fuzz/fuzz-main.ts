import { fixtureCorpus, runFuzz } from './run-fuzz.js';

/**
 * `npm run fuzz:long` (node packages/loader/dist/fuzz/fuzz-main.js [--cases N] [--seed S]): a long
 * seeded run over the fixture corpus; prints its figures as JSON and exits 1 on any untyped error
 * or hang. Reproduce one case with the same seed: cases are pure functions of (seed, index).
 */
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const report = await runFuzz({
  seed: option('seed', 0x5eed),
  cases: option('cases', 200_000),
  corpus: fixtureCorpus(),
  hangMs: option('hang-ms', 10_000),
});
process.stdout.write(`${JSON.stringify({ ...report, failures: report.failures.slice(0, 20) }, null, 2)}\n`);
process.exitCode = report.failures.length > 0 || report.hang ? 1 : 0;
