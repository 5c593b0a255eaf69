// The two one-pass readers of a RecordBatch over the same ring, their drains alternated in one
// process: `offsets` takes 256 offsets at a time (nextOffsets) and reads each record's first byte
// through them, as the ringbuf-batches row did until the twenty-fourth round; `runs` takes a run of
// equal records at a time (nextRun) and steps through it by its span, as the row does now. Both
// read the same fills (60,000 64-byte records, in reads of at most RING_BATCH_RECORDS) of one
// producer through one RingBuffer, the first read of a fill included; each reader goes first in
// every other pair.
//
//   node bench/experiments/ring-batch-readers.js [pairs]
//
// It prints each reader's median ns a record over the pairs (default 200, about 20 s) and in how
// many pairs `runs` drained faster. Runs on the bench's CPU (BENCH_CPU); build the packages first;
// needs clang-19 for the producer.
import { RING_BATCH_RECORDS, RingBuffer } from '@bpfkit/kernel-backend';
import { pinToBenchCpu } from '../lib/pin-thread.js';
import { EVENTS_PER_FILL, loadRingBufferProducer, timedDrain } from '../lib/ringbuf-producer.js';
import { alternatedPairs } from '../lib/stats.js';

const pairs = Number(process.argv[2] ?? 200);
const WARMUP_FILLS = 40;

/** nextOffsets, 256 offsets at a time, each record's first byte read through its offset. */
class OffsetsReader {
  offsets = new Int32Array(256);
  sum = 0;
  read(batch) {
    const bytes = batch.window;
    const offsets = this.offsets;
    let sum = 0;
    for (let count = batch.nextOffsets(offsets); count > 0; count = batch.nextOffsets(offsets)) {
      for (let i = 0; i < count; i++) sum += bytes[offsets[i]];
    }
    this.sum += sum;
  }
}

/** nextRun, each run stepped through by its span. */
class RunsReader {
  sum = 0;
  read(batch) {
    const bytes = batch.window;
    let sum = 0;
    for (let count = batch.nextRun(); count > 0; count = batch.nextRun()) {
      const span = batch.runSpan;
      for (let i = 0, at = batch.runStart; i < count; i++, at += span) sum += bytes[at];
    }
    this.sum += sum;
  }
}

pinToBenchCpu();
const producer = await loadRingBufferProducer();
const ring = RingBuffer.open(producer.map);
try {
  const offsets = new OffsetsReader();
  const runs = new RunsReader();
  // one callback a reader for the whole run, as a program's subscriber has
  const readers = [
    { reader: offsets, callback: (batch) => offsets.read(batch) },
    { reader: runs, callback: (batch) => runs.read(batch) },
  ];
  for (let i = 0; i < WARMUP_FILLS; i++)
    for (const side of readers) drain(side, i < 20 ? 100 : EVENTS_PER_FILL);
  const { a, b, bLower } = alternatedPairs(
    pairs,
    () => drain(readers[0], EVENTS_PER_FILL),
    () => drain(readers[1], EVENTS_PER_FILL),
  );
  console.log(
    `offsets ${a.toFixed(2)} ns/record   runs ${b.toFixed(2)} ns/record   runs faster in ${bLower} of ${pairs}`,
  );
} finally {
  ring.close();
  producer.close();
}

/** One fill drained by `side`'s reader through consumeBatch: ns a record. */
function drain({ reader, callback }, events) {
  return timedDrain(producer, reader, events, () => ring.consumeBatch(callback, RING_BATCH_RECORDS));
}
