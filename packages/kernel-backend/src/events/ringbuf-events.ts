// rxjs/internal/* (exported by rxjs 7): the classes alone; 'rxjs' loads every operator (~80 ms at start)
import { Observable } from 'rxjs/internal/Observable';
import type { FdArg, KernelBackend } from '../backend.js';
import { type PollingOptions, startPollLoop } from './poll-loop.js';
import { RingBuffer } from './ringbuf.js';

export interface RingBufferEventsOptions extends PollingOptions {
  /** the backend that reads the map's info (default: a Linux backend) */
  backend?: KernelBackend;
  /** records read per poll before yielding to the event loop (default RING_BATCH_RECORDS, 16384) */
  batchSize?: number;
}

/**
 * Records a ring stream reads at most per batch, unless told otherwise. A batch's end costs more
 * than its calls, and more the more ring the batch walked: most likely the code and objects that
 * open, publish and close a read (and their page-table entries) have left the caches. On an AMD EPYC
 * guest an end took about 8 µs after 4096 records of 64 bytes and 18 µs after 16384, and a drain of
 * 60,000 records went from 12.8 to 11.9 ns a record (bench/experiments/ring-batch-ends.js). 16384
 * 64-byte records at the records stream's 25 ns are 0.4 ms, inside the default poll budget of 1 ms.
 */
export const RING_BATCH_RECORDS = 16384;

/**
 * The records of a ring buffer map as an Observable of copies, read on the Node event loop without
 * blocking it (see startPollLoop). Each subscription maps the ring itself and unmaps it on
 * unsubscribe. Subscribe once per map: two consumers of one ring would steal each other's records.
 *
 * Each record is copied into a Uint8Array of its own (records of up to 64 bytes live on V8's heap,
 * with no backing store). One copy per batch with views of it measured slower on the bench's
 * 4096-record batches (70-220 ns a record against ~52, the batch-sized copy leading the profile).
 * ringBufferRecords and ringBufferBatches skip the copy.
 *
 * A slow subscriber never makes the kernel wait: when the ring is full, bpf_ringbuf_reserve /
 * bpf_ringbuf_output fail in the program and those records are lost there (count them in the
 * program if it matters). Records already in the ring are all delivered, in order, exactly once;
 * those a subscriber did not take before unsubscribing stay in the ring for the next one.
 */
export function ringBufferEvents(map: FdArg, options: RingBufferEventsOptions = {}): Observable<Uint8Array> {
  return new Observable<Uint8Array>((subscriber) => {
    const ring = RingBuffer.open(map, options.backend);
    const batchSize = options.batchSize ?? RING_BATCH_RECORDS;
    const stop = startPollLoop(
      () =>
        ring.consumeBatch((batch) => {
          const bytes = batch.bytes;
          for (let i = 0; i < batch.count; i++) {
            const offset = batch.offset(i);
            subscriber.next(bytes.slice(offset, offset + batch.length(i)));
            if (subscriber.closed) {
              batch.leaveInRing(i + 1);
              return;
            }
          }
        }, batchSize),
      (error) => subscriber.error(error),
      options,
    );
    return () => {
      stop();
      ring.close();
    };
  });
}
