import type { ErrorLocation } from '../errors.js';

export type Phase = 'open' | 'load' | 'attach';

/** What the loader reports while it works: a discriminated union on `type`. */
export type LoaderEvent =
  | { type: 'stage-started'; phase: Phase; stage: string }
  | { type: 'stage-finished'; phase: Phase; stage: string; durationMs: number }
  | { type: 'stage-failed'; phase: Phase; stage: string; durationMs: number; error: unknown }
  | { type: 'warning'; message: string; location?: ErrorLocation }
  | { type: 'decision'; message: string }
  | { type: 'object-created'; kind: KernelObjectKind; name: string; fd?: number; id?: number; path?: string }
  | { type: 'object-released'; kind: KernelObjectKind; name: string; fd?: number; path?: string };

export type KernelObjectKind = 'map' | 'program' | 'btf' | 'link' | 'pin';

/** Where stages send events; the loader turns it into an Observable. */
export interface EventSink {
  emit(event: LoaderEvent): void;
}

/** An event sink that drops everything (for callers that do not listen). */
export const silentEvents: EventSink = { emit() {} };
