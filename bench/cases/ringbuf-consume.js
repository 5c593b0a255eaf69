// Draining a full ring buffer: bpfkit's RingBuffer.consume(callback) against libbpf's
// ring_buffer__consume, ns per event. Each side loads its own copy of the same producer
// (harness/bpf/ringbuf_producer.bpf.c), fills its ring with 60,000 64-byte records through
// BPF_PROG_TEST_RUN (untimed), then times one consume call that delivers them all to a callback
// summing each record's first byte (1 in every event: the sum checks each was read once).
import { RingBuffer } from '@bpfkit/kernel-backend';
import { bpfBuildUnavailable } from '../lib/bpf-objects.js';
import { runHarness } from '../lib/harness.js';
import {
  checkDrained,
  EVENTS_PER_FILL,
  loadRingBufferProducer,
  producerObject,
} from '../lib/ringbuf-producer.js';

const WARMUP = 3;

export default {
  name: 'ringbuf-consume',
  unit: 'ns/event',
  repetitions: 10,
  unavailable: bpfBuildUnavailable,
  async bpfkit({ repetitions }) {
    const producer = await loadRingBufferProducer();
    let ring;
    try {
      ring = RingBuffer.open(producer.map.fd);
      let sum = 0;
      const onRecord = (record) => {
        sum += record[0];
      };
      const drain = () => {
        producer.fill(EVENTS_PER_FILL);
        sum = 0;
        const start = process.hrtime.bigint();
        const delivered = ring.consume(onRecord);
        const ns = Number(process.hrtime.bigint() - start);
        checkDrained(delivered, sum);
        return ns / delivered;
      };
      for (let i = 0; i < WARMUP; i++) drain(); // JIT and the ring's page faults
      return Array.from({ length: repetitions }, drain);
    } finally {
      ring?.close();
      producer.close();
    }
  },
  libbpf({ repetitions }) {
    return runHarness('ringbuf_ops', ['consume', producerObject(), EVENTS_PER_FILL, repetitions]).samples;
  },
};
