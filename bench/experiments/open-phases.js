// What the machine's slow phases slow down: rounds of bpfkit opens alternated, in one process, with
// two loops of fixed work that bpfkit does not run. One is bound by latency (a chain of integer
// multiplies, each waiting for the last). The other is bound by throughput (passes over a 256 KiB
// Uint32Array, well inside this CPU's L2). Whichever loop's times rise and fall with the open's
// shares what the slow phases take away.
//
//   node bench/experiments/open-phases.js [seconds] [--libbpf]
//
// It prints the 10th, 50th and 90th percentile of each series and the correlation of the open's
// rounds with each loop's (Pearson, over all rounds; default 60 s). With --libbpf each round also
// runs libbpf's open of the same objects from the same bytes (harness/object_ops.c open-mem, in a
// process of its own, its start untimed), whose rounds are correlated with the loops' too; after
// each, bpfkit's opens run untimed for 50 ms (settleAfterHarness), so that no series pays for the
// fork. Build the packages first.
import { readFileSync } from 'node:fs';
import { createLoader } from '@bpfkit/loader';
import { objectFixtures } from '../lib/fixtures.js';
import { runHarness, settleAfterHarness } from '../lib/harness.js';

const seconds = Number(process.argv.find((arg) => /^\d+$/.test(arg)) ?? 60);
const withLibbpf = process.argv.includes('--libbpf');
const objects = objectFixtures().map((path) => new Uint8Array(readFileSync(path)));
const loader = createLoader();
const words = new Uint32Array(1 << 16);
// results feed this, so that no loop's work is dead code to the compiler
let sink = 0;

/** µs per open: every object 20 times. */
function opens() {
  const start = performance.now();
  for (let i = 0; i < 20; i++) for (const bytes of objects) loader.open(bytes);
  return ((performance.now() - start) * 1000) / (20 * objects.length);
}

/** µs per libbpf open (bpf_object__open_mem + close): every object 20 times, in the harness. */
function libbpfOpens() {
  return runHarness('object_ops', ['open-mem', 20, 1, ...objectFixtures()]).samples[0] * 1000;
}

/** ms for two million dependent multiply-adds. */
function latencyBound() {
  const start = performance.now();
  let x = 0;
  for (let i = 0; i < 2_000_000; i++) x = (Math.imul(x, 31) + i) | 0;
  sink += x;
  return performance.now() - start;
}

/** ms for 40 read-modify-write passes over 256 KiB. */
function throughputBound() {
  const start = performance.now();
  for (let pass = 0; pass < 40; pass++)
    for (let i = 0; i < words.length; i++) words[i] = (Math.imul(words[i], 31) + i) | 0;
  sink += words[5];
  return performance.now() - start;
}

const series = { open: [], libbpf: [], latency: [], throughput: [] };
for (let i = 0; i < 50; i++) opens(); // the JIT's warm-up
const end = performance.now() + seconds * 1000;
while (performance.now() < end) {
  series.open.push(opens());
  series.latency.push(latencyBound());
  series.throughput.push(throughputBound());
  if (withLibbpf) {
    series.libbpf.push(libbpfOpens());
    // the fork left this process's pages copy-on-write: the next rounds would pay for it
    settleAfterHarness(opens);
  }
}

const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.floor(p * (values.length - 1))];
const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;
function correlation(xs, ys) {
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

console.log(`${series.open.length} rounds of each (sink ${sink & 1})`);
for (const [name, unit] of [
  ['open', 'µs an open'],
  ['libbpf', 'µs an open'],
  ['latency', 'ms'],
  ['throughput', 'ms'],
]) {
  const values = series[name];
  if (values.length === 0) continue;
  const [p10, p50, p90] = [0.1, 0.5, 0.9].map((p) => percentile(values, p).toFixed(2));
  console.log(`${name.padEnd(10)} p10 ${p10}  p50 ${p50}  p90 ${p90} ${unit}`);
}
for (const name of withLibbpf ? ['open', 'libbpf'] : ['open']) {
  console.log(
    `correlation with ${name === 'open' ? "bpfkit's" : "libbpf's"} open: ` +
      `latency-bound ${correlation(series[name], series.latency).toFixed(2)}, ` +
      `throughput-bound ${correlation(series[name], series.throughput).toFixed(2)}`,
  );
}
