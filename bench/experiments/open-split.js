// How far below libbpf's open bpfkit's open can go while it builds the spec it builds now. Three
// bpfkit opens from the path, alternated round by round with libbpf's open of the same files:
//
//   floor  the file read, the ELF index and the object's BTF, parsed and its DATASECs fixed up:
//          the work libbpf's open also does before it reads a map or a program. openObject with
//          the default reader, no map collector, and a program collector that only asks for the
//          object's BTF.
//   maps   the floor and the default map collectors (BTF maps, global data, struct_ops, legacy).
//   full   createLoader().open(path), the object-open row's bpfkit side: the maps, and the
//          programs and functions with their relocations, func_info, line_info and CO-RE records
//          on their instructions.
//   libbpf harness/object_ops.c open (bpf_object__open_file + close), every object 20 times, a
//          new process each round.
//
//   node bench/experiments/open-split.js [rounds]
//
// It prints each one's median µs per open over the rounds (default 150, about 15 s) and
// the median of each bpfkit side's ratio to libbpf's round beside it.
import { objectBtf } from '@bpfkit/btf';
import { silentEvents } from '@bpfkit/core';
import { readRegularFile } from '@bpfkit/kernel-backend';
import { createLoader, elfObjectReader, openObject } from '@bpfkit/loader';
import { btfMapCollector, globalDataCollector, structOpsCollector } from '@bpfkit/maps-btf';
import { legacyMapCollector } from '@bpfkit/maps-legacy';
import { objectFixtures } from '../lib/fixtures.js';
import { runHarness, settleAfterHarness } from '../lib/harness.js';
import { median } from '../lib/stats.js';

const rounds = Number(process.argv[2] ?? 150);
const paths = objectFixtures();
const OPENS = 10;

/** A program collector that collects nothing, but makes the open parse and fix up the BTF. */
const btfOnly = {
  name: 'object BTF only',
  run: ({ file }, context) => {
    objectBtf(file, context);
    return { programs: [], functions: [] };
  },
};
const stagesWith = (collectors) => ({
  reader: elfObjectReader,
  collectors,
  programs: btfOnly,
  transforms: [],
});
const floorStages = stagesWith([]);
const mapStages = stagesWith([btfMapCollector, globalDataCollector, structOpsCollector, legacyMapCollector]);
// the native read the loader uses for a path (the addon is built wherever the bench runs)
const openWith = (stages) => (path) =>
  openObject(readRegularFile(path), 'object', stages, {}, silentEvents, true);
const loader = createLoader();
const sides = { floor: openWith(floorStages), maps: openWith(mapStages), full: (path) => loader.open(path) };

/** µs per open of one round: every object OPENS times. */
function round(open) {
  const start = performance.now();
  for (const path of paths) for (let i = 0; i < OPENS; i++) open(path);
  return ((performance.now() - start) / (paths.length * OPENS)) * 1000;
}
const libbpfRound = () => runHarness('object_ops', ['open', 20, 1, ...paths]).samples[0] * 1000;

if (readRegularFile(paths[0]) === undefined) throw new Error('the native addon is not built: npm run build');
for (let i = 0; i < 20; i++) for (const open of Object.values(sides)) round(open);
const series = { floor: [], maps: [], full: [], libbpf: [] };
for (let r = 0; r < rounds; r++) {
  // after the last round's harness process (and before the first round, to start alike)
  settleAfterHarness(() => round(sides.full));
  for (const [name, open] of Object.entries(sides)) series[name].push(round(open));
  series.libbpf.push(libbpfRound());
}
for (const [name, values] of Object.entries(series)) {
  const ratio =
    name === 'libbpf' ? '' : `  ${median(values.map((v, i) => v / series.libbpf[i])).toFixed(2)} of libbpf`;
  console.log(`${name.padEnd(7)} ${median(values).toFixed(2)} µs${ratio}`);
}
