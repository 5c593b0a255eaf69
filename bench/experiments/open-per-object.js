// The object-open row object by object: its sample is a mean over the objects of lib/fixtures.js,
// which hides that bpfkit's open and libbpf's differ by kind of object. For each object, rounds
// alternate bpfkit's `createLoader().open(path)` (OPENS times) with libbpf's open of the same path
// (harness/object_ops.c open, OPENS times, a process of its own), and bpfkit's opens run untimed
// for 50 ms after each harness process (settleAfterHarness), so neither side pays for the fork.
//
//   node bench/experiments/open-per-object.js [rounds]
//
// It prints each object's median µs an open on both sides over the rounds (default 5) and their
// ratio, and the ratio of the means over the objects, as the row computes it. Build the packages
// first; runs on the bench's CPU (BENCH_CPU).
import { basename } from 'node:path';
import { createLoader } from '@bpfkit/loader';
import { objectFixtures } from '../lib/fixtures.js';
import { runHarness, settleAfterHarness } from '../lib/harness.js';
import { pinToBenchCpu } from '../lib/pin-thread.js';
import { median } from '../lib/stats.js';

const rounds = Number(process.argv[2] ?? 5);
const OPENS = 300;

pinToBenchCpu();
const loader = createLoader();
const paths = objectFixtures();

/** µs an open of `path` through bpfkit, over OPENS opens. */
function bpfkitOpen(path) {
  const start = performance.now();
  for (let i = 0; i < OPENS; i++) loader.open(path);
  return ((performance.now() - start) / OPENS) * 1000;
}

// the JIT warmed on every object before anything is timed
for (const path of paths) bpfkitOpen(path);
const rows = paths.map((path) => ({ path, bpfkit: [], libbpf: [] }));
for (let round = 0; round < rounds; round++) {
  for (const row of rows) {
    row.libbpf.push(runHarness('object_ops', ['open', OPENS, 1, row.path]).samples[0] * 1000);
    settleAfterHarness(() => loader.open(row.path));
    row.bpfkit.push(bpfkitOpen(row.path));
  }
}
let bpfkitSum = 0;
let libbpfSum = 0;
for (const row of rows) {
  const ours = median(row.bpfkit);
  const theirs = median(row.libbpf);
  bpfkitSum += ours;
  libbpfSum += theirs;
  console.log(
    `${basename(row.path).padEnd(26)} bpfkit ${ours.toFixed(1).padStart(6)} µs   libbpf ${theirs.toFixed(1).padStart(6)} µs   ${(ours / theirs).toFixed(2)}`,
  );
}
console.log(
  `${'mean over the objects'.padEnd(26)} bpfkit ${(bpfkitSum / rows.length).toFixed(1).padStart(6)} µs   libbpf ${(libbpfSum / rows.length).toFixed(1).padStart(6)} µs   ${(bpfkitSum / libbpfSum).toFixed(2)}`,
);
