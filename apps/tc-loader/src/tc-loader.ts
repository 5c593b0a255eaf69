import type { KernelBackend } from '@bpfkit/kernel-backend';
import { createLoader, type Loader } from '@bpfkit/loader';
import { iproute2Plugin } from '@bpfkit/maps-iproute2';
import { tcNetlinkPlugin } from '@bpfkit/plugin-examples';

/**
 * The loader tc would be: the default pipeline with the iproute2 map format and tail-call
 * sections plugged in, untyped sections loaded as classifiers (SCHED_CLS), and classifiers
 * attached as cls_bpf filters through netlink where the kernel has no tcx.
 */
export function createTcLoader(backend?: KernelBackend): Loader {
  const plugins = [iproute2Plugin({ programType: 'cls' }), tcNetlinkPlugin()];
  return createLoader(backend ? { backend, plugins } : { plugins });
}
