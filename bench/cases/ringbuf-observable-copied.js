// Draining a full ring buffer through rxjs ringBufferEvents: one Uint8Array per record (views of
// one copy per batch), every record's first byte read. See lib/ring-stream-case.js for how a
// sample is timed.
import { ringBufferEvents } from '@bpfkit/kernel-backend';
import { ringStreamCase } from '../lib/ring-stream-case.js';

export default ringStreamCase('ringbuf-observable-copied', (map, sink) =>
  ringBufferEvents(map).subscribe({
    next(record) {
      sink.sum += record[0];
      sink.count(1);
    },
    error: (error) => sink.fail(error),
  }),
);
