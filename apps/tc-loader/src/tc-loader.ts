import { withPlugins } from '@bpfkit/core';
import type { KernelBackend } from '@bpfkit/kernel-backend';
import { createDefaultContainer, createLoader, type Loader } from '@bpfkit/loader';
import { iproute2Plugin } from '@bpfkit/maps-iproute2';

/**
 * The loader tc would be: the default pipeline with the iproute2 map format and tail-call
 * sections plugged in, untyped sections loaded as classifiers (SCHED_CLS).
 */
export function createTcLoader(backend?: KernelBackend): Loader {
  const base = createDefaultContainer(backend ? { backend } : {});
  return createLoader(withPlugins(base, iproute2Plugin({ programType: 'cls' })));
}
