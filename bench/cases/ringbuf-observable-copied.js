// Draining a full ring buffer through rxjs ringBufferEvents: one Uint8Array per record (views of
// one copy per batch), every record's first byte read. See lib/ring-stream-case.js for how a
// sample is timed.
import { ringBufferEvents } from '@bpfkit/kernel-backend';
import { ringStreamCase } from '../lib/ring-stream-case.js';

class CopiedRecordReader {
  constructor(sink) {
    this.sink = sink;
  }

  next(record) {
    this.sink.sum += record[0];
    this.sink.count(1);
  }

  error(error) {
    this.sink.fail(error);
  }
}

export default ringStreamCase('ringbuf-observable-copied', (map, sink) =>
  ringBufferEvents(map).subscribe(new CopiedRecordReader(sink)),
);
