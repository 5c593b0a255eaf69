import { join } from 'node:path';
import { isBpfkitError, type KernelError, UsageError } from '@bpfkit/core';
import type { Fd, KernelBackend, TcxDirection } from '@bpfkit/kernel-backend';
import { TC_DIR } from '@bpfkit/maps-iproute2';

/** Where bpfkit-tc keeps its tcx links, beside tc's own tc/globals: `<pin root>/tc/links`. */
export const LINKS_DIR = 'links';

/**
 * The pin of the tcx link on one hook: `<pin root>/tc/links/<iface>-<direction>`. One name per
 * hook, so `filter del` finds the link from the same words `filter add` was given.
 */
export function linkPinPath(pinRoot: string, device: string, direction: TcxDirection): string {
  // bpffs refuses names with a dot (reserved by the kernel), which VLAN devices like eth0.100 have.
  if (device.includes('.') || device.includes('/')) {
    throw new UsageError(`interface name ${device} cannot be part of a bpffs pin name`, {
      hint: 'bpffs refuses "." in names; rename the interface or attach by another name (ip link set ... name)',
    });
  }
  return join(pinRoot, TC_DIR, LINKS_DIR, `${device}-${direction}`);
}

/**
 * Where `filter add --tc-mode netlink` pins the program of the cls_bpf filter it made:
 * `<pin root>/tc/links/<iface>-<direction>-cls_bpf`. The filter keeps the program attached by
 * itself; the pin says which filter on the hook is bpfkit-tc's (by program id) for `filter del`.
 */
export function classifierPinPath(pinRoot: string, device: string, direction: TcxDirection): string {
  return `${linkPinPath(pinRoot, device, direction)}-cls_bpf`;
}

/** BPF_OBJ_GET of a pin, or undefined when there is none. */
export function openPin(backend: KernelBackend, path: string): Fd | undefined {
  try {
    return backend.getPinned(path);
  } catch (error) {
    // ENOENT, or ENOTDIR where a component of the path is not a directory
    const errno = isBpfkitError(error) && error.code === 'KERNEL' ? (error as KernelError).errno : 0;
    if (errno === 2 || errno === 20) return undefined;
    throw error;
  }
}
