import { KernelError, PermissionError } from '@bpfkit/core';
import type { TcHook } from '../backend.js';
import { describeErrno, Errno } from '../errno.js';

/** The tc operations bpfkit makes, each named as the tc command line that does the same. */
export type TcOperation = 'qdisc add' | 'qdisc del' | 'filter add' | 'filter del' | 'filter show';

const messageTypes: Record<TcOperation, string> = {
  'qdisc add': 'RTM_NEWQDISC',
  'qdisc del': 'RTM_DELQDISC',
  'filter add': 'RTM_NEWTFILTER',
  'filter del': 'RTM_DELTFILTER',
  'filter show': 'RTM_GETTFILTER',
};

/** "tc filter add dev veth0 ingress": the operation and device, as an error names them. */
export function describeTcOperation(
  operation: TcOperation,
  hook: Omit<TcHook, 'direction'> & { direction?: string },
) {
  const device = hook.device ?? `ifindex ${hook.ifindex}`;
  const where = operation.startsWith('qdisc') ? `dev ${device} clsact` : `dev ${device} ${hook.direction}`;
  return `tc ${operation} ${where}`;
}

function hintFor(operation: TcOperation, errno: number): string | undefined {
  switch (errno) {
    case Errno.ENODEV:
      return 'no device with that index in this network namespace (was it removed or moved?)';
    case Errno.EEXIST:
      return operation === 'filter add'
        ? 'a filter with this priority and handle is on the hook already: choose others, or 0 to let the kernel choose'
        : undefined;
    case Errno.ENOENT:
      if (operation === 'qdisc add') return 'the kernel has no clsact qdisc (CONFIG_NET_SCH_INGRESS)';
      if (operation === 'filter add') return 'the kernel has no cls_bpf classifier (CONFIG_NET_CLS_BPF)';
      return 'nothing matches: the filter or qdisc is gone (deleted by someone else, or with its device)';
    case Errno.EINVAL:
      return operation === 'filter add'
        ? 'cls_bpf takes SCHED_CLS programs, and the hook needs a clsact qdisc on the device'
        : undefined;
    default:
      return undefined;
  }
}

/**
 * A refused rtnetlink request as bpfkit's KernelError: the tc operation, the device, the errno and,
 * when the kernel gave one, its extended-ack text ("Parent Qdisc doesn't exists").
 */
export function tcError(
  operation: TcOperation,
  hook: Omit<TcHook, 'direction'> & { direction?: string },
  errno: number,
  kernelMessage?: string,
): KernelError {
  const type = messageTypes[operation];
  const said = kernelMessage ? `: the kernel says "${kernelMessage}"` : '';
  const message = `${describeTcOperation(operation, hook)} (${type}): ${describeErrno(errno)}${said}`;
  if (errno === Errno.EPERM || errno === Errno.EACCES) {
    return new PermissionError(type, errno, message, {
      hint: 'tc changes need CAP_NET_ADMIN in the network namespace of the device',
    });
  }
  const hint = hintFor(operation, errno);
  return new KernelError(type, errno, message, hint === undefined ? {} : { hint });
}
