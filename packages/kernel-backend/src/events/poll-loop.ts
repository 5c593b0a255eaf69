/** How an event stream polls the kernel from the Node event loop. */
export interface PollingOptions {
  /**
   * Delay before the next poll when the last one found nothing (default 2 ms). A poll that found
   * records is followed at once (setImmediate), so a busy stream drains at full speed while an idle
   * one costs one cheap read of the producer position every idleDelayMs.
   */
  idleDelayMs?: number;
}

/**
 * Calls `step` (which reads without blocking and answers how much it found) on the event loop until
 * stopped: setImmediate after a productive step, a timer after an empty one. `step` throwing ends
 * the loop and reports the error. Returns the stop function.
 */
export function startPollLoop(
  step: () => number,
  onError: (error: unknown) => void,
  options: PollingOptions = {},
): () => void {
  const idleDelayMs = options.idleDelayMs ?? 2;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const run = (): void => {
    timer = undefined;
    immediate = undefined;
    if (stopped) return;
    let found: number;
    try {
      found = step();
    } catch (error) {
      stopped = true;
      onError(error);
      return;
    }
    if (stopped) return;
    if (found > 0) immediate = setImmediate(run);
    else timer = setTimeout(run, idleDelayMs);
  };
  immediate = setImmediate(run);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
  };
}

/**
 * One poll of a busy stream: calls `read` (which answers how many records it delivered) again
 * while it finds records, the stream is open and `budgetMs` has not run out, so a busy ring costs
 * one event-loop turn per budget, not per read. Answers the records delivered.
 */
export function readWithin(budgetMs: number, read: () => number, isClosed: () => boolean): number {
  const deadline = performance.now() + budgetMs;
  let delivered = 0;
  let found: number;
  do {
    found = read();
    delivered += found;
  } while (found > 0 && !isClosed() && performance.now() < deadline);
  return delivered;
}
