// Draining a full ring buffer through rxjs ringBufferRecords: one reused RingRecord emitted per
// record (a view of the ring, valid during next), every record's first byte read with u8(0).
// See lib/ring-stream-case.js for how a sample is timed; ringbuf-observable-copied is the same
// drain through ringBufferEvents, which emits a Uint8Array copy per record.
import { ringBufferRecords } from '@bpfkit/kernel-backend';
import { ringStreamCase } from '../lib/ring-stream-case.js';

class RecordReader {
  constructor(sink) {
    this.sink = sink;
  }

  next(record) {
    this.sink.sum += record.u8(0);
    this.sink.count(1);
  }

  error(error) {
    this.sink.fail(error);
  }
}

export default ringStreamCase('ringbuf-observable', (map, sink) =>
  ringBufferRecords(map).subscribe(new RecordReader(sink)),
);
