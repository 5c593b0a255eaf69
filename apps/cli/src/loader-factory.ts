import type { EventSink } from '@bpfkit/core';
import { SimulatedKernel } from '@bpfkit/kernel-backend';
import { createLoader, type Loader } from '@bpfkit/loader';
import { bccPlugin } from '@bpfkit/maps-bcc';
import { iproute2Plugin } from '@bpfkit/maps-iproute2';
import type { Io } from './io.js';

/** Makes the loader a command uses; dryRun: against the simulated kernel. Tests pass their own. */
export type LoaderFactory = (dryRun: boolean) => Loader;

/** The CLI's composition root: the default pipeline plus the format plugins bpfkit ships. */
export function loaderFor(dryRun: boolean, makeLoader?: LoaderFactory): Loader {
  if (makeLoader) return makeLoader(dryRun);
  const plugins = [iproute2Plugin(), bccPlugin()];
  return createLoader(dryRun ? { backend: new SimulatedKernel(), plugins } : { plugins });
}

/**
 * Where the open phase's events go: warnings always, on stderr; decisions (which format read
 * which section) are informational, so only with --verbose.
 */
export function decisionsTo(io: Io, verbose: boolean): EventSink {
  return {
    emit(event) {
      if (event.type === 'decision' && verbose) io.err(`bpfkit: ${event.message}`);
      if (event.type === 'warning') io.err(`bpfkit: warning: ${event.message}`);
    },
  };
}
