/** An AbortSignal aborted by SIGINT or SIGTERM; dispose() removes the handlers again. */
export function processStopSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/** Resolves when `signal` aborts or after `durationMs` (about 24 days when undefined), whichever is first. */
export function untilStopped(signal: AbortSignal, durationMs: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    // a pending timer keeps Node's event loop alive: signal handlers alone do not
    const timer = setTimeout(done, durationMs ?? 2 ** 31 - 1);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
