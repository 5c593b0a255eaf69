import type { KernelBackend } from '@bpfkit/kernel-backend';
import { createLoader, type Loader } from '@bpfkit/loader';
import { iproute2Plugin } from '@bpfkit/maps-iproute2';

/**
 * The loader tc would be: the default pipeline with the iproute2 map format and tail-call
 * sections plugged in, untyped sections loaded as classifiers (SCHED_CLS).
 */
export function createTcLoader(backend?: KernelBackend): Loader {
  const plugins = [iproute2Plugin({ programType: 'cls' })];
  return createLoader(backend ? { backend, plugins } : { plugins });
}
