// rxjs/internal/* (exported by rxjs 7): the classes alone; 'rxjs' loads every operator (~80 ms at start)
import { Observable } from 'rxjs/internal/Observable';
import type { FdArg } from '../backend.js';
import { PerfBuffer, type PerfBufferEvent, type PerfBufferOptions } from './perfbuf.js';
import { type PollingOptions, startPollLoop } from './poll-loop.js';

export interface PerfBufferEventsOptions extends PerfBufferOptions, PollingOptions {
  /** records read per poll before yielding to the event loop (default 4096) */
  batchSize?: number;
}

/**
 * The samples and lost counts of a perf event array as an Observable, read on the event loop
 * without blocking it. Subscribing opens the per-CPU events and puts them in the map;
 * unsubscribing takes them out and releases every fd and mapping. Sample bytes are copies.
 *
 * A slow subscriber never makes the kernel wait: when a CPU's ring is full the kernel drops
 * samples and later writes a PERF_RECORD_LOST, delivered here as `{ type: 'lost', cpu, lost }`.
 */
export function perfBufferEvents(
  map: FdArg,
  options: PerfBufferEventsOptions = {},
): Observable<PerfBufferEvent> {
  return new Observable<PerfBufferEvent>((subscriber) => {
    const buffer = PerfBuffer.open(map, options);
    const stop = startPollLoop(
      () =>
        buffer.consume(
          (event) =>
            subscriber.next(event.type === 'sample' ? { ...event, data: event.data.slice() } : event),
          options.batchSize ?? 4096,
        ),
      (error) => subscriber.error(error),
      options,
    );
    return () => {
      stop();
      buffer.close();
    };
  });
}
