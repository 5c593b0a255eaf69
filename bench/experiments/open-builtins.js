// How many DataViews and subarrays one open makes, and who makes them: what the sixteenth round
// counted before moving readers onto core's kept views (bufferView). V8 makes a DataView in a C++
// builtin, 70-145 ns on the Intel guest of rounds 15-16, so a count per open is a cost per open.
//
//   node bench/experiments/open-builtins.js
//
// It wraps the DataView constructor and Uint8Array.prototype.subarray before importing the
// loader, opens every object of lib/fixtures.js once to warm up and once counted, and prints the
// counts per open with the two calling frames of each site (from the built JavaScript). The
// wrappers make everything slower: this counts, it does not time. Build the packages first.
import { objectFixtures } from '../lib/fixtures.js';

const sites = new Map();
let counting = false;

/** Where a frame is: its file:line:column, shortened to package/dist/file. */
function place(frame) {
  const at = frame.match(/\(([^)]*)\)$/)?.[1] ?? frame.trim().replace(/^at /, '');
  return at.replace(/^.*\/packages\//, '');
}

/** The two frames above the wrapper (the stack: Error, callers, count, the wrapper, then them). */
function callers() {
  return new Error().stack.split('\n').slice(4, 6).map(place).join(' < ');
}

function count(kind) {
  if (!counting) return;
  const key = `${kind}  ${callers()}`;
  sites.set(key, (sites.get(key) ?? 0) + 1);
}

const NativeDataView = globalThis.DataView;
globalThis.DataView = new Proxy(NativeDataView, {
  construct(target, args) {
    count('DataView');
    return Reflect.construct(target, args);
  },
});
const subarray = Uint8Array.prototype.subarray;
Uint8Array.prototype.subarray = function countedSubarray(...args) {
  count('subarray');
  return subarray.apply(this, args);
};

const { createLoader } = await import('@bpfkit/loader');
const paths = objectFixtures();
const loader = createLoader();
for (const path of paths) loader.open(path);
counting = true;
for (const path of paths) loader.open(path);
counting = false;

const perOpen = (n) => (n / paths.length).toFixed(1);
const totals = { DataView: 0, subarray: 0 };
for (const [key, n] of sites) totals[key.split(' ')[0]] += n;
console.log(
  `per open, over ${paths.length} objects: ${perOpen(totals.DataView)} DataViews, ${perOpen(totals.subarray)} subarrays`,
);
for (const [key, n] of [...sites].sort((a, b) => b[1] - a[1]))
  console.log(`${perOpen(n).padStart(5)}  ${key}`);
