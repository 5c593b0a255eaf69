// Two builds of the loader in one process, their opens alternated: what the fifteenth round used to
// tell a change of half a microsecond from a machine whose speed swings by half in phases of
// seconds. Run separately, two processes land in different phases; here every pair of rounds
// shares one.
//
//   node bench/experiments/open-ab.js <tree A> <tree B>
//
// Each tree is a built checkout (`tsc -b`, and the native addons built). A git worktree of an
// earlier commit serves: link main's node_modules entries into it, except @bpfkit, whose links
// point at the worktree's own packages. It prints the median µs per open of each side over the
// objects of lib/fixtures.js, the median difference, and in how many pairs B was lower. Two
// copies of one tree gave B lower in 984 and 1010 of 2000 pairs; a change of half a microsecond
// in an open of 35 moved that to about 1100. PAIRS (default 2000, about a minute) and OPENS (per
// object per round, default 10) tune it. Both trees share one process and its allocator, so a
// change in how memory is allocated needs separate processes instead.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { objectFixtures } from '../lib/fixtures.js';

const [treeA, treeB] = process.argv.slice(2);
if (!treeA || !treeB) {
  console.error('usage: node bench/experiments/open-ab.js <tree A> <tree B>');
  process.exit(2);
}
const loaderOf = async (tree) =>
  (await import(pathToFileURL(resolve(tree, 'packages/loader/dist/index.js')).href)).createLoader();
const a = await loaderOf(treeA);
const b = await loaderOf(treeB);
if (resolve(treeA) === resolve(treeB)) console.error('one tree twice: both sides run the same module');

const paths = objectFixtures();
const opens = Number(process.env.OPENS ?? 10);
const pairs = Number(process.env.PAIRS ?? 2000);

/** µs per open of one round: every object `opens` times. */
function round(loader) {
  const start = performance.now();
  for (const path of paths) for (let i = 0; i < opens; i++) loader.open(path);
  return ((performance.now() - start) / (paths.length * opens)) * 1000;
}

// warm both sides' JIT before any round counts
for (let i = 0; i < 20; i++) {
  round(a);
  round(b);
}
const timesA = [];
const timesB = [];
let bLower = 0;
for (let pair = 0; pair < pairs; pair++) {
  // each side goes first in half the pairs
  const first = pair % 2 === 0 ? [a, b] : [b, a];
  const [t1, t2] = [round(first[0]), round(first[1])];
  const [ta, tb] = pair % 2 === 0 ? [t1, t2] : [t2, t1];
  timesA.push(ta);
  timesB.push(tb);
  if (tb < ta) bLower++;
}
const median = (values) => [...values].sort((x, y) => x - y)[values.length >> 1];
const differences = timesA.map((ta, i) => ta - timesB[i]);
console.log(
  `A ${median(timesA).toFixed(2)} µs, B ${median(timesB).toFixed(2)} µs an open; ` +
    `median A - B ${median(differences).toFixed(2)} µs; B lower in ${bLower} of ${pairs} pairs`,
);
