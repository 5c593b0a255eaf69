// Draining a full ring buffer through rxjs ringBufferRecords: one reused RingRecord emitted per
// record (a view of the ring, valid during next), every record's first byte read with u8(0).
// See lib/ring-stream-case.js for how a sample is timed; ringbuf-observable-copied is the same
// drain through ringBufferEvents, which emits a Uint8Array copy per record.
import { ringBufferRecords } from '@bpfkit/kernel-backend';
import { ringStreamCase } from '../lib/ring-stream-case.js';

export default ringStreamCase('ringbuf-observable', (map, sink) =>
  ringBufferRecords(map).subscribe({
    next(record) {
      sink.sum += record.u8(0);
      sink.count(1);
    },
    error: (error) => sink.fail(error),
  }),
);
