// Draining a full ring buffer through rxjs ringBufferBatches: zero-copy RecordBatches (views of
// the ring, valid during the callback), every record's first byte read. See
// lib/ring-stream-case.js for how a sample is timed.
import { ringBufferBatches } from '@bpfkit/kernel-backend';
import { ringStreamCase } from '../lib/ring-stream-case.js';

export default ringStreamCase('ringbuf-batches', (map, sink) =>
  ringBufferBatches(map).subscribe({
    next(batch) {
      const bytes = batch.bytes;
      let sum = 0;
      for (let i = 0; i < batch.count; i++) sum += bytes[batch.offset(i)];
      sink.sum += sum;
      sink.count(batch.count);
    },
    error: (error) => sink.fail(error),
  }),
);
