// rxjs/internal/* (exported by rxjs 7): the classes alone; 'rxjs' loads every operator (~80 ms at start)
import { Observable } from 'rxjs/internal/Observable';
import type { FdArg } from '../backend.js';
import { readWithin, startPollLoop } from './poll-loop.js';
import type { RecordBatch } from './record-batch.js';
import { RingBuffer } from './ringbuf.js';
import { RING_BATCH_RECORDS, type RingBufferEventsOptions } from './ringbuf-events.js';

export interface RingBufferBatchesOptions extends RingBufferEventsOptions {
  /**
   * How long one poll may keep delivering batches (of up to `batchSize` records, default
   * RING_BATCH_RECORDS) before it yields to the event loop (default 1 ms): a busy ring costs one
   * event-loop turn per millisecond, not per batch.
   */
  pollBudgetMs?: number;
}

/**
 * The records of a ring buffer map as an Observable of RecordBatches, read on the event loop like
 * ringBufferEvents but with no copy at all: each batch views the mapped ring and is emitted
 * synchronously; the consumer position moves past it once `next` returns. A batch is valid only
 * during `next` (see RecordBatch): read or copy what you need there, and do not hand batches to
 * asynchronous operators or collect them.
 *
 * Same policies as ringBufferEvents: one subscription per map, teardown unmaps on unsubscribe, and
 * a slow subscriber makes the kernel drop new records in the program, never wait.
 */
export function ringBufferBatches(
  map: FdArg,
  options: RingBufferBatchesOptions = {},
): Observable<RecordBatch> {
  return new Observable<RecordBatch>((subscriber) => {
    const ring = RingBuffer.open(map, options.backend);
    const batchSize = options.batchSize ?? RING_BATCH_RECORDS;
    const budgetMs = options.pollBudgetMs ?? 1;
    const emit = (batch: RecordBatch): void => subscriber.next(batch);
    const read = (): number => ring.consumeBatch(emit, batchSize);
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
