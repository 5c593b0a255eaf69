import { Observable } from 'rxjs';
import type { FdArg, KernelBackend } from '../backend.js';
import { type PollingOptions, startPollLoop } from './poll-loop.js';
import { RingBuffer } from './ringbuf.js';

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
 * Each poll copies its batch of records at once and emits views of that copy: a record's
 * `byteOffset` is not 0 and its `buffer` is shared with its batch (`record.slice()` keeps one
 * record alone). ringBufferBatches skips the copy.
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
          const copy = batch.bytes.slice().buffer;
          for (let i = 0; i < batch.count; i++) {
            subscriber.next(new Uint8Array(copy, batch.offset(i), batch.length(i)));
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
