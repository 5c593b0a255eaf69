// What a ring buffer batch's end costs: the bench's producer fills its 4 MiB ring with 60,000
// 64-byte records, and RingBuffer.consumeBatch drains each fill in batches of at most 4096, 16384
// or 65536 records (one limit per fill, in turn), read as ringbuf-batches reads them (nextOffsets,
// 256 offsets a call, every record's first byte). For each limit it prints the medians over the
// fills of ns a record for the whole drain ("drain") and inside the batch callbacks ("reading"),
// and of µs a batch outside them ("between"): opening the batch, publishing the consumer position,
// closing the read.
//
//   node bench/experiments/ring-batch-ends.js [fills per limit]
//
// Build the packages and have clang-19 (the producer is compiled at run time). Runs on the bench's
// CPU (BENCH_CPU), as the rows do.
import { RingBuffer } from '@bpfkit/kernel-backend';
import { pinToBenchCpu } from '../lib/pin-thread.js';
import { EVENTS_PER_FILL, loadRingBufferProducer } from '../lib/ringbuf-producer.js';
import { median } from '../lib/stats.js';

const LIMITS = [4096, 16384, 65536];
const fills = Number(process.argv[2] ?? 40);
const WARMUP_FILLS = 10;

pinToBenchCpu();
const producer = await loadRingBufferProducer();
const ring = RingBuffer.open(producer.map);
const offsets = new Int32Array(256);
let reading = 0n;
let batches = 0;
let firstBytes = 0;

/** The ringbuf-batches row's reader, its time inside the callback added up. */
function readBatch(batch) {
  const start = process.hrtime.bigint();
  const bytes = batch.window;
  let sum = 0;
  for (let count = batch.nextOffsets(offsets); count > 0; count = batch.nextOffsets(offsets)) {
    for (let i = 0; i < count; i++) sum += bytes[offsets[i]];
  }
  firstBytes += sum;
  batches++;
  reading += process.hrtime.bigint() - start;
}

/** One fill drained in batches of at most `limit` records: [drain ns/record, reading ns/record, between µs/batch]. */
function drain(limit, events) {
  producer.fill(events);
  reading = 0n;
  batches = 0;
  firstBytes = 0;
  let delivered = 0;
  const start = process.hrtime.bigint();
  while (delivered < events) delivered += ring.consumeBatch(readBatch, limit);
  const total = Number(process.hrtime.bigint() - start);
  if (firstBytes !== events) throw new Error(`read ${firstBytes} records' first bytes, expected ${events}`);
  return [total / events, Number(reading) / events, (total - Number(reading)) / batches / 1000];
}

try {
  for (let i = 0; i < WARMUP_FILLS; i++)
    for (const limit of LIMITS) drain(limit, i < 5 ? 100 : EVENTS_PER_FILL);
  const samples = new Map(LIMITS.map((limit) => [limit, []]));
  for (let i = 0; i < fills; i++)
    for (const limit of LIMITS) samples.get(limit).push(drain(limit, EVENTS_PER_FILL));
  console.log('limit   drain ns/record  reading ns/record  between µs/batch');
  for (const [limit, rows] of samples) {
    const column = (k) => median(rows.map((row) => row[k])).toFixed(2);
    console.log(
      `${String(limit).padEnd(6)}  ${column(0).padStart(15)}  ${column(1).padStart(17)}  ${column(2).padStart(16)}`,
    );
  }
} finally {
  ring.close();
  producer.close();
}
