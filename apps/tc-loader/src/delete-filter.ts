import { NotFoundError } from '@bpfkit/core';
import {
  type Fd,
  interfaceIndex,
  type KernelBackend,
  type TcFilter,
  type TcxDirection,
} from '@bpfkit/kernel-backend';
import { classifierPinPath, linkPinPath, openPin } from './link-pin.js';

export interface DeleteFilterRequest {
  device: string;
  direction: TcxDirection;
  pinRoot: string;
}

/** What `filter del` removed: the pin, and (netlink) the filters of the pinned program. */
export interface DeletedFilter {
  linkPin: string;
  filters?: { priority: number; handle: number }[];
}

/**
 * `filter del`: undoes `filter add`, found from its pin. A tcx link is detached (BPF_LINK_DETACH,
 * so it goes even if some process still holds the link fd); a cls_bpf filter is deleted (every
 * filter on the hook that runs the pinned program). Then the pin goes. Maps pinned in tc/globals
 * stay, as with tc.
 */
export function deleteFilter(backend: KernelBackend, request: DeleteFilterRequest): DeletedFilter {
  const { device, direction, pinRoot } = request;
  const classifierPin = classifierPinPath(pinRoot, device, direction);
  const program = openPin(backend, classifierPin);
  if (program) return deleteClassifier(backend, request, program, classifierPin);
  const linkPin = linkPinPath(pinRoot, device, direction);
  const link = openPin(backend, linkPin);
  if (!link) {
    throw new NotFoundError(`no bpfkit-tc filter at ${direction} of ${device}`, {
      hint: `nothing is pinned at ${linkPin} or ${classifierPin}; was it added with another pin-root?`,
    });
  }
  try {
    backend.detachLink(link);
  } finally {
    link.close();
  }
  backend.unpin(linkPin);
  return { linkPin };
}

function deleteClassifier(
  backend: KernelBackend,
  request: DeleteFilterRequest,
  program: Fd,
  pin: string,
): DeletedFilter {
  const { device, direction } = request;
  let programId: number;
  try {
    programId = backend.programInfo(program).id;
  } finally {
    program.close();
  }
  const hook = { ifindex: interfaceIndex(device), direction, device };
  const ours = backend.tcFilters(hook).filter((f: TcFilter) => f.bpf?.programId === programId);
  for (const filter of ours) backend.deleteTcFilter(filter);
  backend.unpin(pin);
  return { linkPin: pin, filters: ours.map((f) => ({ priority: f.priority, handle: f.handle })) };
}
