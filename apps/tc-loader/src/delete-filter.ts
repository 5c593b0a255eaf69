import { isBpfkitError, type KernelError, NotFoundError } from '@bpfkit/core';
import type { Fd, KernelBackend, TcxDirection } from '@bpfkit/kernel-backend';
import { linkPinPath } from './link-pin.js';

export interface DeleteFilterRequest {
  device: string;
  direction: TcxDirection;
  pinRoot: string;
}

/**
 * `filter del`: detaches the link pinned by `filter add` (BPF_LINK_DETACH, so it goes even if
 * some process still holds the link fd) and removes the pin. Maps pinned in tc/globals stay,
 * as with tc.
 */
export function deleteFilter(backend: KernelBackend, request: DeleteFilterRequest): { linkPin: string } {
  const { device, direction, pinRoot } = request;
  const linkPin = linkPinPath(pinRoot, device, direction);
  let link: Fd;
  try {
    link = backend.getPinned(linkPin);
  } catch (error) {
    if (isBpfkitError(error) && error.code === 'KERNEL' && (error as KernelError).errno === 2) {
      throw new NotFoundError(`no bpfkit-tc filter at tcx ${direction} of ${device}`, {
        hint: `nothing is pinned at ${linkPin}; was it added with another pin-root?`,
        cause: error,
      });
    }
    throw error;
  }
  try {
    backend.detachLink(link);
  } finally {
    link.close();
  }
  backend.unpin(linkPin);
  return { linkPin };
}
