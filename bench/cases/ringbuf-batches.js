// Draining a full ring buffer through the zero-copy rxjs path: one ringBufferBatches(map)
// subscription, kept across fills as libbpf keeps its ring_buffer, receives each fill's 60,000
// records as RecordBatches (views of the ring, up to 4096 records each) and reads every record's
// first byte; a sample is ns per event from the first batch of a fill to the end of its last,
// divided by the records after the first batch (that batch is read before the clock starts; its
// records' reading is timed but not counted, which errs against bpfkit). That leaves out the wait
// for the first poll after the untimed fill (up to idleDelayMs, 2 ms by default): a latency, not
// a per-event cost. The libbpf side is the same ring_buffer__consume measurement as
// ringbuf-consume; C has no event-stream layer.
import { ringBufferBatches } from '@bpfkit/kernel-backend';
import { bpfBuildUnavailable } from '../lib/bpf-objects.js';
import { runHarness } from '../lib/harness.js';
import {
  checkDrained,
  EVENTS_PER_FILL,
  loadRingBufferProducer,
  producerObject,
} from '../lib/ringbuf-producer.js';

const WARMUP = 5;
const TIMEOUT_MS = 10_000;

/** Counts the records of one subscription's batches; `next(events)` resolves with ns per event of the next fill. */
function recordClock(map) {
  let received = 0;
  let expected = 0;
  let first = 0n;
  let firstBatch = 0;
  let sum = 0;
  let settle = () => {};
  let fail = () => {};
  let failure;
  const subscription = ringBufferBatches(map).subscribe({
    next(batch) {
      if (received === 0) {
        first = process.hrtime.bigint();
        firstBatch = batch.count;
      }
      const bytes = batch.bytes;
      for (let i = 0; i < batch.count; i++) sum += bytes[batch.offset(i)];
      received += batch.count;
      if (received !== expected) return;
      const ns = Number(process.hrtime.bigint() - first) / (expected - firstBatch);
      try {
        checkDrained(received, sum);
        settle(ns);
      } catch (error) {
        fail(error);
      }
    },
    error(error) {
      failure = error;
      fail(error);
    },
  });
  return {
    next(events) {
      received = 0;
      sum = 0;
      expected = events;
      return new Promise((resolve, reject) => {
        // a fill that delivered fewer records would otherwise leave this waiting forever
        const timer = setTimeout(
          () => reject(new Error(`${received} of ${events} records arrived within ${TIMEOUT_MS} ms`)),
          TIMEOUT_MS,
        );
        settle = (ns) => {
          clearTimeout(timer);
          resolve(ns);
        };
        fail = (error) => {
          clearTimeout(timer);
          reject(error);
        };
        if (failure) fail(failure);
      });
    },
    close: () => subscription.unsubscribe(),
  };
}

export default {
  name: 'ringbuf-batches',
  unit: 'ns/event',
  repetitions: 10,
  unavailable: bpfBuildUnavailable,
  async bpfkit({ repetitions }) {
    const producer = await loadRingBufferProducer();
    let clock;
    try {
      clock = recordClock(producer.map.fd);
      const drain = () => {
        const batch = clock.next(EVENTS_PER_FILL);
        producer.fill(EVENTS_PER_FILL); // synchronous: the poll loop reads once it returns
        return batch;
      };
      for (let i = 0; i < WARMUP; i++) await drain();
      const samples = [];
      for (let r = 0; r < repetitions; r++) samples.push(await drain());
      return samples;
    } finally {
      clock?.close();
      producer.close();
    }
  },
  libbpf({ repetitions }) {
    return runHarness('ringbuf_ops', ['consume', producerObject(), EVENTS_PER_FILL, repetitions]).samples;
  },
};
