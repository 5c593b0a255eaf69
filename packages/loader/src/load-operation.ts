import type { EventSink, LoaderEvent } from '@bpfkit/core';
import type { Observable } from 'rxjs';
// rxjs/internal/* (exported by rxjs 7): the classes alone; 'rxjs' loads every operator (~80 ms at start)
import { ReplaySubject } from 'rxjs/internal/ReplaySubject';
import type { LoadedObject } from './live/loaded-object.js';

/** A load's events: the stages' events, then `loaded` with the object (close it when done with it). */
export type LoadEvent = LoaderEvent | { type: 'loaded'; object: LoadedObject };

/**
 * A pending load: a real Promise of the LoadedObject (await, catch and finally work) that also
 * carries the load's `events`. The events are replayed to late subscribers; they end with
 * `loaded` and completion, or with an error notification when the load fails.
 *
 * Watching only `events` is safe: a failure reaches the subscriber's error callback and never
 * becomes an unhandled rejection, and the `loaded` event hands over the object to close.
 */
export type LoadOperation = Promise<LoadedObject> & { readonly events: Observable<LoadEvent> };

export function startLoad(work: (events: EventSink) => Promise<LoadedObject>): LoadOperation {
  const subject = new ReplaySubject<LoadEvent>();
  const promise = work({ emit: (event) => subject.next(event) });
  promise.then(
    (object) => {
      subject.next({ type: 'loaded', object });
      subject.complete();
    },
    (error: unknown) => subject.error(error),
  );
  // The failure is delivered through `events` and to whoever awaits; it must not also end the
  // process as an unhandled rejection when only `events` is watched.
  promise.catch(() => {});
  return Object.assign(promise, { events: subject.asObservable() });
}
