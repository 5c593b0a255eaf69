import { addContext } from '../errors.js';
import { type EventSink, type Phase, silentEvents } from './events.js';

/** One step of a pipeline. Stages are registered under tokens and replaced by plugins. */
export interface Stage<I, O, C = unknown> {
  /** a short lowercase phrase, used in events and as error context ("collect maps") */
  readonly name: string;
  run(input: I, context: C): O | Promise<O>;
}

/**
 * Runs one stage: emits stage-started and stage-finished (or stage-failed) with its duration and
 * prefixes a failure's message with the stage name.
 */
export async function runStage<I, O, C>(
  phase: Phase,
  stage: Stage<I, O, C>,
  input: I,
  context: C,
  events: EventSink,
): Promise<O> {
  events.emit({ type: 'stage-started', phase, stage: stage.name });
  const start = performance.now();
  try {
    const output = await stage.run(input, context);
    emitStageEnd(events, phase, stage.name, start);
    return output;
  } catch (error) {
    emitStageEnd(events, phase, stage.name, start, { error });
    throw addContext(error, stage.name);
  }
}

/** stage-finished, or stage-failed with the error, timed from `start`. */
function emitStageEnd(
  events: EventSink,
  phase: Phase,
  name: string,
  start: number,
  failure?: { error: unknown },
): void {
  const durationMs = performance.now() - start;
  events.emit(
    failure
      ? { type: 'stage-failed', phase, stage: name, durationMs, error: failure.error }
      : { type: 'stage-finished', phase, stage: name, durationMs },
  );
}

/** The synchronous twin of runStage for stages that never await (open-time parsing). */
export function runStageSync<I, O, C>(
  phase: Phase,
  stage: Stage<I, O, C>,
  input: I,
  context: C,
  events: EventSink,
): O {
  // Nobody listens: no events and no clock (performance.now costs ~70 ns, an open runs 3+ stages).
  const listening = events !== silentEvents;
  if (listening) events.emit({ type: 'stage-started', phase, stage: stage.name });
  const start = listening ? performance.now() : 0;
  try {
    const output = stage.run(input, context);
    if (output instanceof Promise) throw new TypeError(`stage ${stage.name} is asynchronous`);
    if (listening) emitStageEnd(events, phase, stage.name, start);
    return output;
  } catch (error) {
    if (listening) emitStageEnd(events, phase, stage.name, start, { error });
    throw addContext(error, stage.name);
  }
}
