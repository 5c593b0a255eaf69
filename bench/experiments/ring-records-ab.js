// Two builds of kernel-backend's RingBuffer.consumeRecords in one process, their drains alternated,
// as open-ab.js alternates two loaders' opens: a change of a nanosecond a record is smaller than
// what the ringbuf-observable row moves from run to run on a guest whose speed swings in phases.
// Each side drains a producer of its own (two RingBuffers on one map would each keep their own
// consumer position): 60,000 64-byte records a fill, read in reads of at most RING_BATCH_RECORDS,
// every record's first byte read with `u8(0)` through an observer object, as the row's reader does.
// Each side drains first in every other pair (until the twenty-fourth round A always went first).
//
//   node bench/experiments/ring-records-ab.js <tree A> <tree B> [pairs]
//
// Trees are built checkouts, as open-ab.js takes them. It prints each side's median ns a record
// over the pairs (default 200, about 20 s) and in how many pairs B drained faster. Runs on the
// bench's CPU (BENCH_CPU); needs clang-19 for the producer.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pinToBenchCpu } from '../lib/pin-thread.js';
import { EVENTS_PER_FILL, loadRingBufferProducer, timedDrain } from '../lib/ringbuf-producer.js';
import { alternatedPairs } from '../lib/stats.js';

const [treeA, treeB, pairsArg] = process.argv.slice(2);
if (!treeA || !treeB) {
  console.error('usage: node bench/experiments/ring-records-ab.js <tree A> <tree B> [pairs]');
  process.exit(2);
}
const pairs = Number(pairsArg ?? 200);
const WARMUP_FILLS = 40;
const backendOf = async (tree) =>
  import(pathToFileURL(resolve(tree, 'packages/kernel-backend/dist/index.js')).href);

/** The row's observer: sums each record's first byte (the producer writes 1 there). */
class Reader {
  sum = 0;
  next(record) {
    this.sum += record.u8(0);
  }
}

pinToBenchCpu();
const producers = [await loadRingBufferProducer(), await loadRingBufferProducer()];
const sides = [];
try {
  for (const [index, tree] of [treeA, treeB].entries()) {
    const { RingBuffer, RING_BATCH_RECORDS } = await backendOf(tree);
    const reader = new Reader();
    // one callback a side for the whole run: a new closure per drain would be a new call target
    const next = (record) => reader.next(record);
    sides.push({ ring: RingBuffer.open(producers[index].map), limit: RING_BATCH_RECORDS, reader, next });
  }
  for (let i = 0; i < WARMUP_FILLS; i++)
    for (const index of [0, 1]) drain(index, i < 20 ? 100 : EVENTS_PER_FILL);
  const { a, b, bLower } = alternatedPairs(
    pairs,
    () => drain(0, EVENTS_PER_FILL),
    () => drain(1, EVENTS_PER_FILL),
  );
  console.log(
    `A ${a.toFixed(2)} ns/record   B ${b.toFixed(2)} ns/record   B faster in ${bLower} of ${pairs}`,
  );
} finally {
  for (const side of sides) side.ring.close();
  for (const producer of producers) producer.close();
}

/** One fill of side `index` drained by consumeRecords: ns a record. */
function drain(index, events) {
  const { ring, limit, reader, next } = sides[index];
  return timedDrain(producers[index], reader, events, () => ring.consumeRecords(next, limit));
}
