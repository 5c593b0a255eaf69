import { basename } from 'node:path';
import {
  attachTcNetlink,
  attachTcx,
  hasTcx,
  type KernelBackend,
  type TcFilter,
} from '@bpfkit/kernel-backend';
import type { LiveProgram } from '@bpfkit/loader';
import type { AddFilterRequest } from './add-filter.js';
import { NETLINK_PRIORITY, type TcMode } from './args.js';
import { classifierPinPath, linkPinPath } from './link-pin.js';

/** tcx where the kernel has it (hasTcx), unless the command line chose. */
export function chooseTcMode(backend: KernelBackend, requested: TcMode | undefined): TcMode {
  return requested ?? (hasTcx(backend) ? 'tcx' : 'netlink');
}

/** The pin that `filter add` leaves on the hook in one mode. */
export function attachmentPin(
  mode: TcMode,
  request: Pick<AddFilterRequest, 'pinRoot' | 'device' | 'direction'>,
) {
  const { pinRoot, device, direction } = request;
  return mode === 'tcx'
    ? linkPinPath(pinRoot, device, direction)
    : classifierPinPath(pinRoot, device, direction);
}

/**
 * Attaches the classifier so that it outlives this process, and pins what marks it as ours: the
 * tcx link, or, through netlink, the program of the cls_bpf filter (named `OBJECT:[SECTION]` as tc
 * names its filters). A pin that fails leaves nothing attached.
 */
export function attachClassifier(
  backend: KernelBackend,
  program: LiveProgram,
  request: AddFilterRequest,
  mode: TcMode,
  objectName: string,
): { pin: string; filter?: TcFilter } {
  const pin = attachmentPin(mode, request);
  if (mode === 'tcx') {
    using link = attachTcx(backend, program.fd, request.device, request.direction);
    link.pin(pin);
    return { pin };
  }
  const link = attachTcNetlink(backend, program.fd, request.device, request.direction, {
    priority: NETLINK_PRIORITY,
    name: `${basename(objectName)}:[${request.section}]`,
  });
  try {
    backend.pin(program.fd, pin);
  } catch (error) {
    link.close();
    throw error;
  }
  return { pin, filter: link.filter };
}
