// Draining a full ring buffer through rxjs ringBufferBatches: zero-copy RecordBatches (views of
// the ring, valid during the callback) read in one pass, 256 offsets at a time (nextOffsets), every
// record's first byte read. See lib/ring-stream-case.js for how a sample is timed.
import { ringBufferBatches } from '@bpfkit/kernel-backend';
import { ringStreamCase } from '../lib/ring-stream-case.js';

class BatchReader {
  /** the chunk nextOffsets fills: 256 offsets, reused for every batch */
  offsets = new Int32Array(256);

  constructor(sink) {
    this.sink = sink;
  }

  next(batch) {
    const bytes = batch.window;
    const offsets = this.offsets;
    let sum = 0;
    let records = 0;
    for (let count = batch.nextOffsets(offsets); count > 0; count = batch.nextOffsets(offsets)) {
      for (let i = 0; i < count; i++) sum += bytes[offsets[i]];
      records += count;
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
