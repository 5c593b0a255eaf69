import { Observable } from 'rxjs';
import type { FdArg, KernelBackend } from '../backend.js';
import { type PollingOptions, startPollLoop } from './poll-loop.js';
import { RingBuffer } from './ringbuf.js';

/**
 * Records are copied in pieces of this size: an allocation of 128 KiB or more (glibc's mmap
 * threshold) gets fresh pages from the kernel every time, and copying a 4096-record batch at once
 * ran 10-20 times slower per byte than in pieces under it.
 */
const PIECE_BYTES = 64 * 1024;
const EMPTY = new ArrayBuffer(0);

export interface RingBufferEventsOptions extends PollingOptions {
  /** the backend that reads the map's info (default: a Linux backend) */
  backend?: KernelBackend;
  /** records read per poll before yielding to the event loop (default 4096) */
  batchSize?: number;
}

/**
 * The records of a ring buffer map as an Observable of copies, read on the Node event loop without
 * blocking it (see startPollLoop). Each subscription maps the ring itself and unmaps it on
 * unsubscribe. Subscribe once per map: two consumers of one ring would steal each other's records.
 *
 * Each poll copies its records in pieces of up to 64 KiB and emits views of those copies: a
 * record's `byteOffset` need not be 0 and its `buffer` is shared with its neighbours
 * (`record.slice()` keeps one record alone). ringBufferRecords and ringBufferBatches skip the copy.
 *
 * A slow subscriber never makes the kernel wait: when the ring is full, bpf_ringbuf_reserve /
 * bpf_ringbuf_output fail in the program and those records are lost there (count them in the
 * program if it matters). Records already in the ring are all delivered, in order, exactly once;
 * those a subscriber did not take before unsubscribing stay in the ring for the next one.
 */
export function ringBufferEvents(map: FdArg, options: RingBufferEventsOptions = {}): Observable<Uint8Array> {
  return new Observable<Uint8Array>((subscriber) => {
    const ring = RingBuffer.open(map, options.backend);
    const batchSize = options.batchSize ?? 4096;
    const stop = startPollLoop(
      () =>
        ring.consumeBatch((batch) => {
          const bytes = batch.bytes;
          let copy = EMPTY;
          let copyStart = 0;
          let copyEnd = 0;
          for (let i = 0; i < batch.count; i++) {
            const offset = batch.offset(i);
            const length = batch.length(i);
            if (offset + length > copyEnd) {
              copyStart = offset;
              copyEnd = Math.min(bytes.length, offset + Math.max(PIECE_BYTES, length));
              copy = bytes.slice(copyStart, copyEnd).buffer;
            }
            subscriber.next(new Uint8Array(copy, offset - copyStart, length));
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
