import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { isBpfkitError } from '@bpfkit/core';
import { SimulatedKernel } from '@bpfkit/kernel-backend';
import { createLoader } from '../container.js';
import type { Loader } from '../loader.js';
import { caseSeed, mutate, objectRegions, type Regions } from './mutate.js';

/** What the fuzz runner asks of its worker. */
export interface FuzzJob {
  seed: number;
  cases: number;
  /** object files to mutate */
  corpus: string[];
  /** Int32Array(2): [case being run, cases done], for the watchdog */
  progress: SharedArrayBuffer;
}

/** A case that ended in something other than success or a BpfkitError. */
export interface FuzzFailure {
  index: number;
  object: string;
  target: string;
  steps: string[];
  phase: 'open' | 'load';
  error: string;
}

export interface FuzzResult {
  cases: number;
  opened: number;
  loaded: number;
  /** typed errors by class name and phase, e.g. "open ElfError" */
  typedErrors: Record<string, number>;
  byTarget: Record<string, number>;
  failures: FuzzFailure[];
}

interface CaseOutcome {
  target: string;
  opened: boolean;
  loaded: boolean;
  typedError?: string;
  failure?: FuzzFailure;
}

interface CorpusObject {
  name: string;
  bytes: Uint8Array;
  regions: Regions;
}

/** One case: mutate, open, dry-run load, then check that nothing was left open or pinned. */
async function runCase(
  loader: Loader,
  kernel: SimulatedKernel,
  corpus: readonly CorpusObject[],
  seed: number,
  index: number,
): Promise<CaseOutcome> {
  const mixed = caseSeed(seed, index);
  const source = corpus[mixed % corpus.length]!;
  const mutation = mutate(source.bytes, source.regions, mixed);
  const outcome: CaseOutcome = { target: mutation.target, opened: false, loaded: false };
  const fail = (phase: FuzzFailure['phase'], error: string): FuzzFailure => ({
    index,
    object: source.name,
    target: mutation.target,
    steps: mutation.steps,
    phase,
    error,
  });
  let phase: FuzzFailure['phase'] = 'open';
  try {
    const spec = loader.open(mutation.bytes, { name: 'fuzzed' });
    outcome.opened = true;
    phase = 'load';
    const loaded = await loader.load(spec);
    outcome.loaded = true;
    loaded.close();
  } catch (error) {
    if (isBpfkitError(error)) outcome.typedError = `${phase} ${error.name}`;
    else
      outcome.failure = fail(phase, error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  for (const pin of kernel.pinnedPaths()) kernel.unpin(pin);
  const leaked = kernel.openFds();
  if (leaked.length > 0) {
    outcome.failure ??= fail(phase, `fds left open after the case: ${leaked.join(', ')}`);
    for (const fd of leaked) kernel.closeFd(fd);
  }
  return outcome;
}

/**
 * Runs `cases` mutations through open and, when open succeeds, a dry-run load on a fresh simulated
 * kernel. Allowed outcomes: success or a BpfkitError; anything else is recorded as a failure.
 */
export async function runCases(job: Omit<FuzzJob, 'progress'>, progress?: Int32Array): Promise<FuzzResult> {
  const corpus: CorpusObject[] = job.corpus.map((path) => {
    const bytes = new Uint8Array(readFileSync(path));
    return { name: basename(path), bytes, regions: objectRegions(bytes) };
  });
  const result: FuzzResult = { cases: 0, opened: 0, loaded: 0, typedErrors: {}, byTarget: {}, failures: [] };
  // one kernel for every case: a load either rolls back or is closed, and pins are cleared after
  // each case, so no case sees another's objects (and per-case setup stays out of the figures)
  const kernel = new SimulatedKernel({ possibleCpus: 2 });
  const loader = createLoader({ backend: kernel });
  const count = (key: string) => {
    result.typedErrors[key] = (result.typedErrors[key] ?? 0) + 1;
  };
  // Typed errors are the expected outcome of most cases: capturing their stacks would cost more
  // than the rest of the case. A case that fails is run again with stacks for its report.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    for (let index = 0; index < job.cases; index++) {
      if (progress) Atomics.store(progress, 0, index);
      const outcome = await runCase(loader, kernel, corpus, job.seed, index);
      result.byTarget[outcome.target] = (result.byTarget[outcome.target] ?? 0) + 1;
      if (outcome.opened) result.opened++;
      if (outcome.loaded) result.loaded++;
      if (outcome.typedError) count(outcome.typedError);
      if (outcome.failure) {
        Error.stackTraceLimit = stackTraceLimit;
        const again = await runCase(loader, kernel, corpus, job.seed, index);
        Error.stackTraceLimit = 0;
        result.failures.push(again.failure ?? outcome.failure);
      }
      result.cases++;
      if (progress) Atomics.store(progress, 1, result.cases);
    }
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  return result;
}

if (parentPort && workerData) {
  const job = workerData as FuzzJob;
  const result = await runCases(job, new Int32Array(job.progress));
  parentPort.postMessage(result);
}
