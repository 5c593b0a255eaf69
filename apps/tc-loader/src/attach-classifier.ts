import { basename } from 'node:path';
import { attachTcx, hasTcx, type KernelBackend, type TcFilter, TcFilterLink } from '@bpfkit/kernel-backend';
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
  // Through the loader's attachers, where the tc netlink plugin (createTcLoader) takes it.
  const link = program.attach({
    device: request.device,
    direction: request.direction,
    tcMode: 'netlink',
    tcPriority: NETLINK_PRIORITY,
    tcFilterName: `${basename(objectName)}:[${request.section}]`,
  });
  if (!(link instanceof TcFilterLink)) {
    link.close();
    throw new Error(`internal: the netlink attach of ${program.name} made a ${link.kind} link`);
  }
  // The filter outlives this process (as tc's does): the loaded object must not take it along.
  link.disconnect();
  try {
    backend.pin(program.fd, pin);
  } catch (error) {
    backend.deleteTcFilter(link.filter);
    link.close();
    throw error;
  }
  return { pin, filter: link.filter };
}
