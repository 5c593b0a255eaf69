// Draining a full ring buffer through rxjs ringBufferBatches: zero-copy RecordBatches (views of
// the ring, valid during the callback) read in one pass, a run of equal records at a time
// (nextRun: up to 256 records of one length, stepped through by their span), every record's first
// byte read. Until the twenty-fourth round the reader took 256 offsets at a time (nextOffsets),
// which stores and reloads an offset per record. See lib/ring-stream-case.js for how a sample is
// timed.
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
    for (let count = batch.nextRun(); count > 0; count = batch.nextRun()) {
      const span = batch.runSpan;
      for (let i = 0, at = batch.runStart; i < count; i++, at += span) sum += bytes[at];
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
