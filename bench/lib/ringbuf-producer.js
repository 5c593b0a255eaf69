// The bpfkit side's copy of the ring buffer rows' producer: harness/bpf/ringbuf_producer.bpf.c
// loaded through @bpfkit/loader, filled with BPF_PROG_TEST_RUN as harness/ringbuf_ops.c fills
// libbpf's copy.
import { createLoader } from '@bpfkit/loader';
import { compileBpfSource } from './bpf-objects.js';

/** Records put in the ring per fill: 64 bytes each with their headers, 3.66 MiB of its 4 MiB. */
export const EVENTS_PER_FILL = 60_000;

const packet = new Uint8Array(64);

/** Loads the producer; `fill(n)` writes n events, `close()` unloads it. */
export async function loadRingBufferProducer() {
  const loader = createLoader();
  const loaded = await loader.load(loader.open(compileBpfSource('ringbuf_producer')));
  const map = loaded.map('events');
  const program = loaded.program('produce');
  return {
    map,
    fill: (events) => program.testRun({ data: packet, repeat: events }),
    close: () => loaded.close(),
  };
}

/** Throws unless one drain delivered every event of a fill once (each event's first byte is 1). */
export function checkDrained(delivered, firstByteSum, events = EVENTS_PER_FILL) {
  if (delivered !== events || firstByteSum !== events) {
    throw new Error(
      `drained ${delivered} records whose first bytes sum to ${firstByteSum}, expected ${events} of each`,
    );
  }
}

/**
 * ns a record to drain one fill of `events` records that `producer` writes: `readSome()` reads from
 * the ring and answers how many records it delivered, to a reader that adds each record's first
 * byte to `reader.sum` (checked after, as checkDrained checks).
 */
export function timedDrain(producer, reader, events, readSome) {
  producer.fill(events);
  reader.sum = 0;
  const start = process.hrtime.bigint();
  let delivered = 0;
  while (delivered < events) delivered += readSome();
  const ns = Number(process.hrtime.bigint() - start) / events;
  checkDrained(delivered, reader.sum, events);
  return ns;
}

/** Path of the compiled producer object, which harness/ringbuf_ops.c loads for libbpf's side. */
export function producerObject() {
  return compileBpfSource('ringbuf_producer');
}
