// A benchmark case for an rxjs ring-buffer stream (ringBufferEvents or ringBufferBatches): one
// subscription, kept across fills as libbpf keeps its ring_buffer, receives each fill's records; a
// sample is ns per event from the first item of a fill to the end of its last, divided by the
// records after that first item (its records are read before the clock starts; their reading is
// timed but not counted, which errs against bpfkit). That leaves out the wait for the first poll
// after the untimed fill (up to idleDelayMs, 2 ms by default): a latency, not a per-event cost. The
// libbpf side is the same ring_buffer__consume measurement as ringbuf-consume.
import { bpfBuildUnavailable } from './bpf-objects.js';
import { runHarness } from './harness.js';
import { checkDrained, EVENTS_PER_FILL, loadRingBufferProducer, producerObject } from './ringbuf-producer.js';

const WARMUP = 5;
const TIMEOUT_MS = 10_000;

/**
 * `subscribe(mapFd, sink)` subscribes to the stream with an observer of the case's own: its `next`
 * adds the first byte of every record an item carries to `sink.sum` (the producer writes 1 there:
 * a drain check) and calls `sink.count(records)`; its `error` calls `sink.fail(error)`. Each case
 * writes its own `next` so that each is a function of its own to the JIT, as a program's
 * subscriber is: one `next` shared by every case would see every case's items, and V8 then
 * declines to inline the reads of the case at hand. Nothing is allocated per item, so the stream's
 * own cost is what is measured.
 */
export function ringStreamCase(name, subscribe) {
  return {
    name,
    unit: 'ns/event',
    repetitions: 10,
    unavailable: bpfBuildUnavailable,
    async bpfkit({ repetitions }) {
      const producer = await loadRingBufferProducer();
      let clock;
      try {
        clock = streamClock(producer.map.fd, subscribe);
        const drain = () => {
          const sample = clock.next(EVENTS_PER_FILL);
          producer.fill(EVENTS_PER_FILL); // synchronous: the poll loop reads once it returns
          return sample;
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
}

/** Counts the records of one subscription; `next(events)` resolves with ns per event of the next fill. */
function streamClock(mapFd, subscribe) {
  let received = 0;
  let expected = 0;
  let first = 0n;
  let firstItem = 0;
  let settle = () => {};
  let fail = () => {};
  let failure;
  const sink = {
    sum: 0,
    count(records) {
      if (received === 0) {
        first = process.hrtime.bigint();
        firstItem = records;
      }
      received += records;
      if (received === expected) finish();
    },
    fail(error) {
      failure = error;
      fail(error);
    },
  };
  // the end of a fill, once per sample: kept out of count(), which runs for every item
  function finish() {
    const ns = Number(process.hrtime.bigint() - first) / Math.max(1, expected - firstItem);
    try {
      checkDrained(received, sink.sum);
      settle(ns);
    } catch (error) {
      fail(error);
    }
  }
  const subscription = subscribe(mapFd, sink);
  return {
    next(events) {
      received = 0;
      sink.sum = 0;
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
