import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FuzzJob, FuzzResult } from './fuzz-worker.js';

export interface FuzzOptions {
  seed: number;
  cases: number;
  corpus: string[];
  /** a case that runs longer than this is a hang (default 10 s) */
  hangMs?: number;
}

export interface FuzzReport extends FuzzResult {
  seed: number;
  durationMs: number;
  /** the case that stopped making progress, if one did (the worker was terminated) */
  hang?: { index: number; afterMs: number };
}

const here = new URL('.', import.meta.url).pathname;
const repo = join(here, '../../../..');

/** Every little-endian fixture object in the repository: the corpus mutations start from. */
export function fixtureCorpus(): string[] {
  const dirs = [
    'fixtures',
    'apps/cli/src/fixtures',
    'packages/loader/src/fixtures',
    'packages/loader/src/load/fixtures',
    'packages/maps-btf/src/fixtures',
    'packages/maps-bcc/src/fixtures',
    'packages/maps-iproute2/src/fixtures',
  ];
  return dirs.flatMap((dir) =>
    readdirSync(join(repo, dir))
      .filter((name) => name.endsWith('.bpfel.o'))
      .map((name) => join(repo, dir, name)),
  );
}

/**
 * Runs the fuzz cases in a worker thread (the built dist/fuzz/fuzz-worker.js) under a watchdog:
 * when the case counter stops moving for `hangMs`, the worker is terminated and the case reported.
 */
export function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const progress = new SharedArrayBuffer(8);
  const counters = new Int32Array(progress);
  const job: FuzzJob = { seed: options.seed, cases: options.cases, corpus: options.corpus, progress };
  // execArgv: [] so that a test runner's flags (resolve conditions to TS sources) stay out
  const worker = new Worker(new URL('../../dist/fuzz/fuzz-worker.js', `file://${here}`), {
    workerData: job,
    execArgv: [],
  });
  const hangMs = options.hangMs ?? 10_000;
  return new Promise<FuzzReport>((resolve, reject) => {
    let done = -1;
    let since = performance.now();
    const watchdog = setInterval(() => {
      const now = Atomics.load(counters, 1);
      if (now !== done) {
        done = now;
        since = performance.now();
      } else if (performance.now() - since > hangMs) {
        clearInterval(watchdog);
        void worker.terminate();
        resolve({
          ...emptyResult(done),
          seed: options.seed,
          durationMs: performance.now() - started,
          hang: { index: Atomics.load(counters, 0), afterMs: hangMs },
        });
      }
    }, 250);
    worker.once('message', (result: FuzzResult) => {
      clearInterval(watchdog);
      void worker.terminate();
      resolve({ ...result, seed: options.seed, durationMs: performance.now() - started });
    });
    worker.once('error', (error) => {
      clearInterval(watchdog);
      reject(error);
    });
  });
}

function emptyResult(cases: number): FuzzResult {
  return { cases, opened: 0, loaded: 0, typedErrors: {}, byTarget: {}, failures: [] };
}
