// A full BPF_MAP_LOOKUP_BATCH pass over a u32 -> u64 hash map of 100,000 entries, 4096 entries
// per call: bpfkit's backend.mapLookupBatch loop against libbpf's bpf_map_lookup_batch loop
// (harness/map_ops.c). Each side creates and fills (untimed, one update batch) its own map.
import { LinuxBackend } from '@bpfkit/kernel-backend';
import { runHarness } from '../lib/harness.js';

const ENTRIES = 100_000;
const BATCH = 4096;
const HASH = 1;
const WARMUP = 3;

/** Reads every entry once, BATCH per call; returns the number of entries read. */
function lookupAll(backend, map, buffers) {
  const { keys, values } = buffers;
  let [inBatch, outBatch] = buffers.tokens;
  let position = null; // null: from the first bucket
  let total = 0;
  for (;;) {
    const { count, done } = backend.mapLookupBatch(map, position, outBatch, keys, values, BATCH);
    total += count;
    if (done) return total;
    // the kernel reads in_batch before it writes out_batch; swap so the next call resumes here
    [inBatch, outBatch] = [outBatch, inBatch];
    position = inBatch;
  }
}

export default {
  name: 'map-batch-lookup-100k',
  unit: 'ms',
  repetitions: 5,
  bpfkit({ repetitions }) {
    const backend = new LinuxBackend();
    const map = backend.createMap({
      type: HASH,
      keySize: 4,
      valueSize: 8,
      maxEntries: ENTRIES,
      flags: 0,
      name: 'bench_batch',
    });
    try {
      const keys = new Uint8Array(4 * ENTRIES);
      const values = new Uint8Array(8 * ENTRIES);
      const keyView = new DataView(keys.buffer);
      const valueView = new DataView(values.buffer);
      for (let k = 0; k < ENTRIES; k++) {
        keyView.setUint32(4 * k, k, true);
        valueView.setBigUint64(8 * k, BigInt(k), true);
      }
      const written = backend.mapUpdateBatch(map, keys, values, ENTRIES);
      if (written !== ENTRIES) throw new Error(`filled ${written} of ${ENTRIES} entries`);
      // lookups write into buffers of one batch, as the libbpf side's
      const buffers = {
        keys: new Uint8Array(4 * BATCH),
        values: new Uint8Array(8 * BATCH),
        tokens: [new Uint8Array(4), new Uint8Array(4)],
      };
      const pass = () => {
        const start = performance.now();
        const seen = lookupAll(backend, map, buffers);
        const ms = performance.now() - start;
        if (seen !== ENTRIES) throw new Error(`a pass read ${seen} entries, expected ${ENTRIES}`);
        return ms;
      };
      for (let i = 0; i < WARMUP; i++) pass();
      return Array.from({ length: repetitions }, pass);
    } finally {
      map.close();
    }
  },
  libbpf({ repetitions }) {
    return runHarness('map_ops', ['hash-lookup-batch', ENTRIES, BATCH, repetitions]).samples;
  },
};
