import { AttachType, isBpfkitError, ProgramType } from '@bpfkit/core';
import type { FdArg, KernelBackend, TcDirection, TcFilter } from '../backend.js';
import { Errno } from '../errno.js';
import { fdValue } from '../fd.js';
import { type Attacher, requireAttachOption as need } from './attacher.js';
import { Link } from './link.js';
import { interfaceIndex, type NetworkInterface } from './network.js';
import { hasTcx } from './tcx-probe.js';

export interface TcNetlinkAttachOptions {
  /** 1..65535; default: the kernel chooses (49152 on an empty hook) */
  priority?: number;
  /** default: the kernel chooses */
  handle?: number;
  /** ETH_P_* in host order; default ETH_P_ALL */
  protocol?: number;
  /** TCA_BPF_NAME; default "<program name>:[<program id>]", as libbpf's bpf_tc_attach names it */
  name?: string;
}

/**
 * A cls_bpf filter made through rtnetlink. Unlike a BPF link it has no fd: the filter stays on the
 * hook after this process exits, until close() deletes it (as a filter added by tc does).
 */
export class TcFilterLink extends Link {
  /** the filter as the kernel made it: `tc filter del dev X ingress pref P handle H bpf` names it */
  readonly filter: TcFilter;

  constructor(target: string, backend: KernelBackend, filter: TcFilter) {
    super('tc', target, backend, undefined, [() => deleteFilterIfPresent(backend, filter)]);
    this.filter = filter;
  }
}

/** A filter that went with its device (or that someone else deleted) is detached already. */
function deleteFilterIfPresent(backend: KernelBackend, filter: TcFilter): void {
  try {
    backend.deleteTcFilter(filter);
  } catch (error) {
    const errno = (error as { errno?: number }).errno;
    if (!isBpfkitError(error) || (errno !== Errno.ENOENT && errno !== Errno.ENODEV)) throw error;
  }
}

/**
 * Attaches a SCHED_CLS program to a device's clsact hook through rtnetlink, as
 * `tc qdisc add dev X clsact` plus `tc filter add dev X ingress bpf da fd N` do (libbpf's
 * bpf_tc_hook_create + bpf_tc_attach): works on every kernel since 4.5, where tcx (6.6) does not.
 * The filter is in direct-action mode, so the program's return value is the verdict, as with tcx.
 *
 * close() deletes exactly this filter and leaves the clsact qdisc, as tc and libbpf's bpf_tc_detach
 * do: other tools may have filters on it, and removing it would take theirs too.
 */
export function attachTcNetlink(
  backend: KernelBackend,
  program: FdArg,
  device: NetworkInterface,
  direction: TcDirection,
  options: TcNetlinkAttachOptions = {},
): TcFilterLink {
  const ifindex = interfaceIndex(device);
  const named = typeof device === 'string' ? { device } : {};
  const programFd = fdValue(program);
  let name = options.name;
  if (name === undefined) {
    const info = backend.programInfo(programFd);
    name = `${info.name}:[${info.id}]`;
  }
  backend.addClsactQdisc(ifindex, named.device);
  const filter = backend.addTcFilter({
    ifindex,
    direction,
    ...named,
    programFd,
    name,
    directAction: true,
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    ...(options.handle === undefined ? {} : { handle: options.handle }),
    ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
  });
  const target = `tc ${direction} on ${device} (pref ${filter.priority} handle 0x${filter.handle.toString(16)})`;
  return new TcFilterLink(target, backend, filter);
}

/** The hook a tc program attaches to: its section's (tc/ingress, tcx/egress...), else the option. */
function directionOf(expectedAttachType: number, option: TcDirection | undefined): TcDirection | undefined {
  if (expectedAttachType === AttachType.TCX_INGRESS) return 'ingress';
  if (expectedAttachType === AttachType.TCX_EGRESS) return 'egress';
  return option;
}

const isTcxSection = (expectedAttachType: number) =>
  expectedAttachType === AttachType.TCX_INGRESS || expectedAttachType === AttachType.TCX_EGRESS;

/**
 * tc programs through netlink. It takes a SCHED_CLS program when the options ask for netlink
 * (`tcMode: 'netlink'`), when its section names a tcx hook (tc/ingress, tcx/egress...) and the
 * kernel has no tcx (hasTcx), or when its section names no hook ("tc", "classifier": libbpf has no
 * auto-attach for those; `direction` says where). With `tcMode: 'tcx'` it declines. SCHED_ACT
 * programs are not taken: an action runs from a filter's action list, not on a hook of its own.
 * Placed before the tcx attacher, it makes tcx sections fall back to cls_bpf on older kernels.
 */
export const tcNetlinkAttacher: Attacher = {
  name: 'tc netlink',
  accepts: (program, options, backend) => {
    if (program.type !== ProgramType.SCHED_CLS || options.tcMode === 'tcx') return false;
    if (options.tcMode === 'netlink' || !isTcxSection(program.expectedAttachType)) return true;
    return !hasTcx(backend);
  },
  attach: (program, options, backend) =>
    attachTcNetlink(
      backend,
      program.fd,
      need(program, options.device, 'a network interface'),
      need(
        program,
        directionOf(program.expectedAttachType, options.direction),
        "a direction ('ingress' or 'egress')",
      ),
      {
        ...(options.tcPriority === undefined ? {} : { priority: options.tcPriority }),
        ...(options.tcHandle === undefined ? {} : { handle: options.tcHandle }),
        ...(options.tcFilterName === undefined ? {} : { name: options.tcFilterName }),
      },
    ),
};
