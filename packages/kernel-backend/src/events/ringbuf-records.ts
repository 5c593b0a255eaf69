import { Observable } from 'rxjs';
import type { FdArg } from '../backend.js';
import { readWithin, startPollLoop } from './poll-loop.js';
import type { RingRecord } from './ring-record.js';
import { RingBuffer } from './ringbuf.js';
import type { RingBufferBatchesOptions } from './ringbuf-batches.js';

/** `batchSize` is the records read between publications of the consumer position (default 4096). */
export type RingBufferRecordsOptions = RingBufferBatchesOptions;

/**
 * The records of a ring buffer map as an Observable of one reused RingRecord, emitted once per
 * record: nothing is copied or allocated per record (RingBuffer.consumeRecords, libbpf's
 * ring_buffer__consume with its sample callback). The record is valid only during `next`: read it
 * there (`record.u32(0)`, ...) or keep `record.copy()`; do not hand it to asynchronous operators or
 * collect it (every emission is the same object, and it throws once its read has returned).
 * ringBufferEvents emits copies instead.
 *
 * Same policies as ringBufferEvents: one subscription per map, teardown unmaps on unsubscribe
 * (records not yet emitted stay in the ring), and a slow subscriber makes the kernel drop new
 * records in the program, never wait. One poll reads for up to `pollBudgetMs` (1 ms), then yields.
 */
export function ringBufferRecords(
  map: FdArg,
  options: RingBufferRecordsOptions = {},
): Observable<RingRecord> {
  // Written out, not shared with ringBufferBatches: one shared `emit` closure would see two types
  // and stop being inlined (about 4 ns of the ~7 ns a record costs here).
  return new Observable<RingRecord>((subscriber) => {
    const ring = RingBuffer.open(map, options.backend);
    const batchSize = options.batchSize ?? 4096;
    const budgetMs = options.pollBudgetMs ?? 1;
    const emit = (record: RingRecord): void => subscriber.next(record);
    const read = (): number => ring.consumeRecords(emit, batchSize);
    const isClosed = (): boolean => subscriber.closed;
    const stop = startPollLoop(
      () => readWithin(budgetMs, read, isClosed),
      (error) => subscriber.error(error),
      options,
    );
    return () => {
      stop();
      ring.close();
    };
  });
}
