// How long bpfkit's opens stay slow after a harness process: the wait that experiments alternating
// libbpf's harness with bpfkit's rounds need (lib/harness.js, settleAfterHarness). Each of 60
// times, for each of three gaps in turn (the harness's open of every object, 20 opens each, in a
// new process; a child that runs /bin/true; an idle wait of 10 ms), it runs the gap and then eight
// rounds of bpfkit opens (every object 10 times, from the path). It prints, for each gap, each
// round's median µs per open over the 60 times and its mean count of minor page faults. The faults
// say why: Node forks to start a child, so every page of this process becomes copy-on-write, and
// its next write to each (the V8 heap's young generation, as allocation walks it) is a fault.
//
//   node bench/experiments/after-harness.js
import { execFileSync } from 'node:child_process';
import { createLoader } from '@bpfkit/loader';
import { objectFixtures } from '../lib/fixtures.js';
import { runHarness } from '../lib/harness.js';
import { median } from '../lib/stats.js';

const paths = objectFixtures();
const loader = createLoader();
const ROUNDS_AFTER = 8;
const TIMES = 60;
const idle = new Int32Array(new SharedArrayBuffer(4));
const gaps = {
  harness: () => runHarness('object_ops', ['open', 20, 1, ...paths]),
  '/bin/true': () => execFileSync('/bin/true'),
  'idle 10 ms': () => Atomics.wait(idle, 0, 0, 10),
};

/** µs per open of one round: every object 10 times. */
function round() {
  const start = performance.now();
  for (const path of paths) for (let i = 0; i < 10; i++) loader.open(path);
  return ((performance.now() - start) * 1000) / (paths.length * 10);
}
const minorFaults = () => process.resourceUsage().minorPageFault;

for (let i = 0; i < 50; i++) round(); // the JIT's warm-up
const results = {};
for (const name of Object.keys(gaps)) {
  results[name] = {
    times: Array.from({ length: ROUNDS_AFTER }, () => []),
    faults: new Array(ROUNDS_AFTER).fill(0),
  };
}
for (let time = 0; time < TIMES; time++) {
  for (const [name, gap] of Object.entries(gaps)) {
    gap();
    const { times, faults } = results[name];
    for (let i = 0; i < ROUNDS_AFTER; i++) {
      const before = minorFaults();
      times[i].push(round());
      faults[i] += minorFaults() - before;
    }
  }
}
console.log(`rounds 1..${ROUNDS_AFTER} after each gap: median µs an open / mean minor page faults`);
for (const [name, { times, faults }] of Object.entries(results)) {
  console.log(`${name.padEnd(11)} µs     ${times.map((t) => median(t).toFixed(1).padStart(6)).join('')}`);
  console.log(
    `${''.padEnd(11)} faults ${faults.map((f) => String(Math.round(f / TIMES)).padStart(6)).join('')}`,
  );
}
