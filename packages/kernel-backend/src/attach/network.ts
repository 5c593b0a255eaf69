import { readFileSync } from 'node:fs';
import { AttachType, NotFoundError, NotSupportedError } from '@bpfkit/core';
import type { FdArg, KernelBackend } from '../backend.js';
import { Errno } from '../errno.js';
import { type Fd, fdValue } from '../fd.js';
import { Link } from './link.js';
import { hasTcx } from './tcx-probe.js';

/** XDP_FLAGS_* from include/uapi/linux/if_link.h: where the program runs. */
export const XdpFlags = {
  UPDATE_IF_NOEXIST: 1 << 0,
  /** generic XDP, in the networking stack (works on every device) */
  SKB_MODE: 1 << 1,
  /** native XDP, in the driver */
  DRV_MODE: 1 << 2,
  HW_MODE: 1 << 3,
  REPLACE: 1 << 4,
} as const;

/** An interface given by name ('veth0') or by index. */
export type NetworkInterface = string | number;

/** The ifindex of an interface in this process's network namespace (/sys/class/net/<name>/ifindex). */
export function interfaceIndex(device: NetworkInterface): number {
  if (typeof device === 'number') return device;
  try {
    return Number(readFileSync(`/sys/class/net/${device}/ifindex`, 'latin1').trim());
  } catch (error) {
    throw new NotFoundError(`no network interface named ${device} in this network namespace`, {
      hint: 'list interfaces with `ip link`; an interface moved into another namespace is invisible here',
      cause: error,
    });
  }
}

export interface XdpAttachOptions {
  /** XdpFlags.SKB_MODE / DRV_MODE / HW_MODE; 0 lets the kernel choose (native when the driver has it) */
  flags?: number;
}

/** BPF_LINK_CREATE with BPF_XDP on an interface (libbpf's bpf_program__attach_xdp). */
export function attachXdp(
  backend: KernelBackend,
  program: FdArg,
  device: NetworkInterface,
  options: XdpAttachOptions = {},
): Link {
  const ifindex = interfaceIndex(device);
  const target = `xdp on ${device}`;
  const fd = backend.createLink({
    programFd: fdValue(program),
    targetIfindex: ifindex,
    attachType: AttachType.XDP,
    flags: options.flags ?? 0,
    what: target,
  });
  return new Link('xdp', target, backend, fd);
}

export type TcxDirection = 'ingress' | 'egress';

export interface TcxAttachOptions {
  /** attach relative to this program or link fd (0: at the end); see BPF_F_BEFORE/AFTER */
  relativeFd?: number;
  /** BPF_F_BEFORE, BPF_F_AFTER, BPF_F_REPLACE... */
  flags?: number;
  /** refuse with ESTALE unless the hook is at this revision (0: do not check) */
  expectedRevision?: bigint;
}

/** BPF_LINK_CREATE with BPF_TCX_INGRESS / BPF_TCX_EGRESS (tcx, Linux 6.6; libbpf's attach_tcx). */
export function attachTcx(
  backend: KernelBackend,
  program: FdArg,
  device: NetworkInterface,
  direction: TcxDirection,
  options: TcxAttachOptions = {},
): Link {
  const target = `tcx ${direction} on ${device}`;
  const targetIfindex = interfaceIndex(device);
  let fd: Fd;
  try {
    fd = backend.createLink({
      programFd: fdValue(program),
      targetIfindex,
      attachType: direction === 'ingress' ? AttachType.TCX_INGRESS : AttachType.TCX_EGRESS,
      flags: options.flags ?? 0,
      relativeFd: options.relativeFd ?? 0,
      expectedRevision: options.expectedRevision ?? 0n,
      what: target,
    });
  } catch (error) {
    // a kernel before 6.6 answers EINVAL for the attach type it does not know
    if ((error as { errno?: number }).errno === Errno.EINVAL && !hasTcx(backend)) {
      throw new NotSupportedError('tcx links (Linux 6.6)', `${target}: this kernel has no tcx links`, {
        hint: "attach through netlink instead (a clsact qdisc and a cls_bpf filter): attachTcNetlink, or attachProgram with tcMode 'netlink'",
        cause: error,
      });
    }
    throw error;
  }
  return new Link('tcx', target, backend, fd);
}
