// The floor under bpfkit's map rows: `node bench/napi-floor.js` prints ns per call of an empty
// Node-API call (the addon's nop), of a bpf() that the kernel refuses at once (bad fd: the
// syscall's entry and exit) through the three-argument call and through the bound one, the same
// two through the V8 fast call (bpf_fast_call.cc, where built), and of LinuxBackend.mapLookup on
// key 7 of a 1024-entry array map (through the path bpfCallPath() names).
// Not a row: libbpf has no counterpart to an empty call. Medians of 5 samples of 200,000 calls.
// For comparison in the same run, harness/map_ops.c times the refused bpf() from C (`refused`),
// and the libbpf side of the array lookup row, before and after the node figures.

import { BpfCommand, bpfCallPath, LinuxBackend } from '@bpfkit/kernel-backend';
import { AttrBuffer } from '../packages/kernel-backend/dist/linux/attr-buffer.js';
import { fastCallAddon, nativeAddon } from '../packages/kernel-backend/dist/linux/libc.js';
import { runHarness } from './lib/harness.js';
import { pinToBenchCpu } from './lib/pin-thread.js';
import { median, timePerOp } from './lib/stats.js';

const ITERATIONS = 200_000;
// as run.js does: this thread and the harness processes it starts on one CPU (BENCH_CPU)
pinToBenchCpu();
const addon = nativeAddon();
const fast = fastCallAddon();
if (!addon?.nop || !addon.bindAttr) {
  console.log(
    'no native addon with nop/bindAttr: build it with packages/kernel-backend/scripts/build-native.mjs',
  );
  process.exit(1);
}
const sample = (op) => {
  timePerOp(20_000, op);
  return median(Array.from({ length: 5 }, () => timePerOp(ITERATIONS, op)));
};

const attr = new AttrBuffer(32);
attr.setU32(0, 0x7fffffff); // no such fd: the kernel answers EBADF right after copying the attr
const refused = addon.bindAttr(attr.address, 32);

const backend = new LinuxBackend();
const map = backend.createMap({
  type: 2,
  keySize: 4,
  valueSize: 8,
  maxEntries: 1024,
  flags: 0,
  name: 'floor',
});
const key = new Uint8Array([7, 0, 0, 0]);
const value = new Uint8Array(8);

const fromC = (args) => median(runHarness('map_ops', args).samples);
const cBefore = [fromC(['refused', ITERATIONS, 5]), fromC(['array-lookup', ITERATIONS, 5])];
const rows = [
  ['empty Node-API call (nop)', sample(() => addon.nop())],
  [
    'bpf(cmd, attr, size) refused (EBADF)',
    sample(() => addon.bpf(BpfCommand.MAP_LOOKUP_ELEM, attr.address, 32)),
  ],
  ['bound bpf(cmd) refused (EBADF)', sample(() => refused(BpfCommand.MAP_LOOKUP_ELEM))],
  ...(fast
    ? [
        ['empty fast call (nop)', sample(() => fast.nop())],
        [
          'fast bpf(cmd, attr, size) refused (EBADF)',
          sample(() => fast.bpf(BpfCommand.MAP_LOOKUP_ELEM, attr.address, 32)),
        ],
      ]
    : []),
  [`LinuxBackend.mapLookup (array, ${bpfCallPath()})`, sample(() => backend.mapLookup(map, key, value))],
];
map.close();
const cAfter = [fromC(['refused', ITERATIONS, 5]), fromC(['array-lookup', ITERATIONS, 5])];
rows.push(['C: bpf() refused (EBADF), before/after', `${cBefore[0].toFixed(1)} / ${cAfter[0].toFixed(1)}`]);
rows.push([
  'C: bpf_map_lookup_elem (array), before/after',
  `${cBefore[1].toFixed(1)} / ${cAfter[1].toFixed(1)}`,
]);
for (const [name, ns] of rows)
  console.log(`${name.padEnd(46)} ${typeof ns === 'number' ? ns.toFixed(1) : ns} ns`);
