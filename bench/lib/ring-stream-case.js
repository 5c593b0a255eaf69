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
/**
 * The first fills are small, so that every line of the observer's `next` and of the sink runs, with
 * feedback recorded, before V8 optimizes their loop. V8 records feedback only once a function has
 * run a few times (lazy feedback allocation), and a long loop in an early call gets
 * on-stack-replaced code with no feedback for what follows the loop: V8 11 (Node 20) then
 * deoptimizes there, and in some processes left `next` unoptimized for good (`ringbuf-batches`:
 * 4.4-5.2 ns a record in such a process, 3.3-3.6 in the others).
 */
const PRIMING_FILLS = 30;
const PRIMING_EVENTS = 100;
const TIMEOUT_MS = 10_000;

/**
 * `subscribe(mapFd, sink)` subscribes to the stream with an observer of the case's own: its `next`
 * adds the first byte of every record an item carries to `sink.sum` (the producer writes 1 there:
 * a drain check) and calls `sink.count(records)`; its `error` calls `sink.fail(error)`. Nothing is
 * allocated per item, so the stream's own cost is what is measured.
 *
 * Each case's observer is an instance of a class of its own, whose `next` is one function for the
 * whole process, as a program's subscriber is:
 * - one `next` shared by every case would see every case's items, and V8 then declines to inline
 *   the reads of the case at hand;
 * - a `next` made anew for each round's subscription is a new closure of one site, and V8 left the
 *   later rounds' closures unoptimized (Sparkplug code): `ringbuf-batches` took 3.3 ns a record in
 *   the first round and 4.6 in the next two, in one process, with no deoptimization reported.
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
        const drain = (events = EVENTS_PER_FILL) => {
          const sample = clock.next(events);
          producer.fill(events); // synchronous: the poll loop reads once it returns
          return sample;
        };
        for (let i = 0; i < PRIMING_FILLS; i++) await drain(PRIMING_EVENTS);
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

/**
 * The sink a case's `next` reports to. A class, so that `sink.count` is one function in every
 * round: a closure made per round is a new call target to the case's `next`, whose optimized code
 * is shared by the rounds (one closure site), and V8 then deoptimizes it at every item of the later
 * rounds ("wrong call target"), which a subscriber that lives as long as its ring never sees.
 */
class StreamSink {
  sum = 0;
  received = 0;
  expected = 0;
  first = 0n;
  last = 0n;
  firstItem = 0;
  failure = undefined;
  settle = () => {};
  reject = () => {};
  // made once: the end of a fill is worked out after `next` returns, so that none of it is
  // inlined into the case's `next` (its speculations, wrong for the small priming fills, would
  // deoptimize `next`)
  finishLater = () => this.finish();

  count(records) {
    if (this.received === 0) {
      this.first = process.hrtime.bigint();
      this.firstItem = records;
    }
    this.received += records;
    if (this.received === this.expected) {
      this.last = process.hrtime.bigint();
      queueMicrotask(this.finishLater);
    }
  }

  fail(error) {
    this.failure = error;
    this.reject(error);
  }

  finish() {
    const ns = Number(this.last - this.first) / Math.max(1, this.expected - this.firstItem);
    try {
      checkDrained(this.received, this.sum, this.expected);
      this.settle(ns);
    } catch (error) {
      this.reject(error);
    }
  }
}

/** Counts the records of one subscription; `next(events)` resolves with ns per event of the next fill. */
function streamClock(mapFd, subscribe) {
  const sink = new StreamSink();
  const subscription = subscribe(mapFd, sink);
  return {
    next(events) {
      sink.received = 0;
      sink.sum = 0;
      sink.expected = events;
      return new Promise((resolve, reject) => {
        // a fill that delivered fewer records would otherwise leave this waiting forever
        const timer = setTimeout(
          () => reject(new Error(`${sink.received} of ${events} records arrived within ${TIMEOUT_MS} ms`)),
          TIMEOUT_MS,
        );
        sink.settle = (ns) => {
          clearTimeout(timer);
          resolve(ns);
        };
        sink.reject = (error) => {
          clearTimeout(timer);
          reject(error);
        };
        if (sink.failure) sink.reject(sink.failure);
      });
    },
    close: () => subscription.unsubscribe(),
  };
}
