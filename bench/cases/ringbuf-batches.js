// Draining a full ring buffer through rxjs ringBufferBatches: zero-copy RecordBatches (views of
// the ring, valid during the callback) read in one pass (nextOffset), every record's first byte
// read. See lib/ring-stream-case.js for how a sample is timed.
import { ringBufferBatches } from '@bpfkit/kernel-backend';
import { ringStreamCase } from '../lib/ring-stream-case.js';

class BatchReader {
  constructor(sink) {
    this.sink = sink;
  }

  next(batch) {
    const bytes = batch.window;
    let sum = 0;
    let records = 0;
    for (let at = batch.nextOffset(); at >= 0; at = batch.nextOffset()) {
      sum += bytes[at];
      records++;
    }
    this.sink.sum += sum;
    this.sink.count(records);
  }

  error(error) {
    this.sink.fail(error);
  }
}

export default ringStreamCase('ringbuf-batches', (map, sink) =>
  ringBufferBatches(map).subscribe(new BatchReader(sink)),
);
