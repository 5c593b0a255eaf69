import type { Observer } from 'rxjs';
// rxjs/internal/* (exported by rxjs 7): the classes alone; 'rxjs' loads every operator (~80 ms at start)
import { config } from 'rxjs/internal/config';
import { Observable } from 'rxjs/internal/Observable';
import { Subscriber } from 'rxjs/internal/Subscriber';
import { Subscription } from 'rxjs/internal/Subscription';
import type { FdArg } from '../backend.js';
import { readWithin, startPollLoop } from './poll-loop.js';
import type { RingRecord } from './ring-record.js';
import { RingBuffer } from './ringbuf.js';
import type { RingBufferBatchesOptions } from './ringbuf-batches.js';
import { RING_BATCH_RECORDS } from './ringbuf-events.js';

/**
 * `batchSize` is the records read between publications of the consumer position (default
 * RING_BATCH_RECORDS).
 */
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
 *
 * Subscribed with a plain observer (a function, or an object with `next`), the reader calls it
 * directly, as rxjs's own subscriber would but without its three layers of calls per record; what
 * rxjs promises still holds (a throwing `next` is reported as rxjs reports it and the stream goes
 * on; `error` comes before teardown; nothing after unsubscribe). Operators subscribe with their
 * own Subscribers and take rxjs's path.
 */
export function ringBufferRecords(
  map: FdArg,
  options: RingBufferRecordsOptions = {},
): Observable<RingRecord> {
  return new RingRecordStream(map, options);
}

/** What a read of records reports to, besides the records: the subscription's state and its failure. */
interface RecordsControl {
  readonly closed: boolean;
  error(error: unknown): void;
}

class RingRecordStream extends Observable<RingRecord> {
  readonly #map: FdArg;
  readonly #options: RingBufferRecordsOptions;

  constructor(map: FdArg, options: RingBufferRecordsOptions) {
    super((subscriber) => readRecords(map, options, (record) => subscriber.next(record), subscriber));
    this.#map = map;
    this.#options = options;
  }

  override subscribe(
    observerOrNext?: Partial<Observer<RingRecord>> | ((value: RingRecord) => void) | null,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): Subscription {
    if (error != null || complete != null || !isPlainObserver(observerOrNext)) {
      // the deprecated (next, error, complete) form, operators' Subscribers, rxjs's legacy modes
      return super.subscribe(observerOrNext as (value: RingRecord) => void, error, complete);
    }
    const observer: Partial<Observer<RingRecord>> =
      typeof observerOrNext === 'function' ? { next: observerOrNext } : observerOrNext;
    const subscription = new Subscription();
    // Written here, not shared with the rxjs path: a shared closure would see several observers
    // and stop inlining their `next` (about 4 ns of the ~9 ns a record costs in the bench).
    const emit = (record: RingRecord): void => {
      try {
        observer.next?.(record);
      } catch (thrown) {
        reportUnhandledError(thrown); // as rxjs's ConsumerObserver: reported, and the stream goes on
      }
    };
    const control: RecordsControl = {
      get closed() {
        return subscription.closed;
      },
      error(failure) {
        if (subscription.closed) return;
        try {
          if (observer.error) observer.error(failure);
          else reportUnhandledError(failure);
        } catch (thrown) {
          reportUnhandledError(thrown);
        }
        subscription.unsubscribe();
      },
    };
    try {
      subscription.add(readRecords(this.#map, this.#options, emit, control));
    } catch (failure) {
      control.error(failure); // as rxjs's _trySubscribe: a failure to start goes to error, not to the caller
    }
    return subscription;
  }
}

/** Opens the ring and polls it on the event loop, handing each record to `emit`; returns the teardown. */
function readRecords(
  map: FdArg,
  options: RingBufferRecordsOptions,
  emit: (record: RingRecord) => void,
  control: RecordsControl,
): () => void {
  const ring = RingBuffer.open(map, options.backend);
  const batchSize = options.batchSize ?? RING_BATCH_RECORDS;
  const budgetMs = options.pollBudgetMs ?? 1;
  const read = (): number => ring.consumeRecords(emit, batchSize);
  const isClosed = (): boolean => control.closed;
  const stop = startPollLoop(
    () => readWithin(budgetMs, read, isClosed),
    (failure) => control.error(failure),
    options,
  );
  return () => {
    stop();
    ring.close();
  };
}

/**
 * A function or an observer object that is not already a Subscriber, with rxjs's synchronous
 * error mode off: what rxjs would wrap in a SafeSubscriber (its isSubscriber test, inverted).
 */
function isPlainObserver(
  value: unknown,
): value is Partial<Observer<RingRecord>> | ((value: RingRecord) => void) {
  if (config.useDeprecatedSynchronousErrorHandling || config.useDeprecatedNextContext) return false;
  if (typeof value === 'function') return true;
  if (value === null || typeof value !== 'object' || value instanceof Subscriber) return false;
  const candidate = value as Partial<Subscription>;
  return !(typeof candidate.unsubscribe === 'function' && typeof candidate.add === 'function');
}

/** rxjs's reportUnhandledError: thrown from a timer (or given to config.onUnhandledError), never into the reader. */
function reportUnhandledError(error: unknown): void {
  setTimeout(() => {
    const { onUnhandledError } = config;
    if (onUnhandledError) onUnhandledError(error);
    else throw error;
  });
}
