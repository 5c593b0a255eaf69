// The bpfkit side of the map benchmarks: the same map, keys and loop as harness/map_ops.c.
import { LinuxBackend } from '@bpfkit/kernel-backend';
import { runHarness } from './harness.js';
import { timePerOp } from './stats.js';

const ENTRIES = 1024;
const MAP_TYPE = { array: 2, hash: 1 };

let backend;

function createFilledMap(kind) {
  backend ??= new LinuxBackend();
  const map = backend.createMap({
    type: MAP_TYPE[kind],
    keySize: 4,
    valueSize: 8,
    maxEntries: ENTRIES,
    flags: 0,
    name: `bench_${kind}`,
  });
  const key = new Uint8Array(4);
  const keyView = new DataView(key.buffer);
  const value = new Uint8Array(8);
  for (let k = 0; k < ENTRIES; k++) {
    keyView.setUint32(0, k, true);
    backend.mapUpdate(map, key, value);
  }
  return map;
}

/**
 * A benchmark case for one map operation: `kind` is array or hash, `op` lookup or update. Both
 * sides use key 7 of a filled 1024-entry map with 4-byte keys and 8-byte values.
 */
export function mapOpCase(kind, op) {
  const name = `${kind}-${op}`;
  return {
    name: `map ${op} (${kind})`,
    unit: 'ns/op',
    bpfkit({ iterations, repetitions }) {
      const map = createFilledMap(kind);
      try {
        const key = new Uint8Array([7, 0, 0, 0]);
        const value = new Uint8Array(8);
        const run =
          op === 'lookup'
            ? () => backend.mapLookup(map, key, value)
            : () => backend.mapUpdate(map, key, value, 0);
        timePerOp(Math.min(iterations, 20_000), run); // warm the JIT
        return Array.from({ length: repetitions }, () => timePerOp(iterations, run));
      } finally {
        map.close();
      }
    },
    libbpf({ iterations, repetitions }) {
      return runHarness('map_ops', [name, iterations, repetitions]).samples;
    },
  };
}
