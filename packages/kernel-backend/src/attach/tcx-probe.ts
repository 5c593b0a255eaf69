import { AttachType, isBpfkitError, ProgramType } from '@bpfkit/core';
import type { KernelBackend } from '../backend.js';
import { Errno } from '../errno.js';

/** `r0 = 0; exit` */
const RETURN_ZERO = new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
/** an ifindex no device has: a kernel with tcx gets as far as looking it up */
const NO_SUCH_IFINDEX = 0xffffffff;

const probed = new WeakMap<KernelBackend, boolean>();

/**
 * Whether the kernel makes tcx links (BPF_TCX_INGRESS / EGRESS, Linux 6.6), memoized per backend.
 * Probed as cilium/ebpf's haveTCX does: BPF_LINK_CREATE of a SCHED_CLS program on an ifindex that
 * does not exist answers ENODEV where tcx exists (it got to the device lookup) and EINVAL where the
 * kernel does not know the attach type. Errors that say neither (EPERM) are thrown, not memoized.
 */
export function hasTcx(backend: KernelBackend): boolean {
  const known = probed.get(backend);
  if (known !== undefined) return known;
  using program = backend.loadProgram({
    type: ProgramType.SCHED_CLS,
    instructions: RETURN_ZERO,
    license: 'GPL',
    name: 'tcx_probe',
  });
  let supported: boolean;
  try {
    backend
      .createLink({
        programFd: program.value,
        targetIfindex: NO_SUCH_IFINDEX,
        attachType: AttachType.TCX_INGRESS,
        what: 'the tcx probe',
      })
      .close();
    supported = true; // only a kernel model without devices (the simulated one) gets here
  } catch (error) {
    const errno = (error as { errno?: number }).errno;
    if (errno === Errno.ENODEV) supported = true;
    else if (isBpfkitError(error) && error.code === 'NOT_SUPPORTED')
      supported = false; // no LINK_CREATE
    else if (errno === Errno.EINVAL || errno === Errno.EOPNOTSUPP || errno === Errno.ENOTSUPP)
      supported = false;
    else throw error;
  }
  probed.set(backend, supported);
  return supported;
}
