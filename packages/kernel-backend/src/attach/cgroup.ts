import { AttachType, attachTypeName, UsageError } from '@bpfkit/core';
import type { FdArg, KernelBackend } from '../backend.js';
import { fdValue } from '../fd.js';
import { Link } from './link.js';
import { O_DIRECTORY, O_RDONLY, openFile } from './os-calls.js';

/** Attach types a cgroup link accepts (kernel/bpf/cgroup.c, cgroup_bpf_link_attach). */
const cgroupAttachTypes: ReadonlySet<number> = new Set([
  AttachType.CGROUP_INET_INGRESS,
  AttachType.CGROUP_INET_EGRESS,
  AttachType.CGROUP_INET_SOCK_CREATE,
  AttachType.CGROUP_INET_SOCK_RELEASE,
  AttachType.CGROUP_SOCK_OPS,
  AttachType.CGROUP_DEVICE,
  AttachType.CGROUP_INET4_BIND,
  AttachType.CGROUP_INET6_BIND,
  AttachType.CGROUP_INET4_CONNECT,
  AttachType.CGROUP_INET6_CONNECT,
  AttachType.CGROUP_UNIX_CONNECT,
  AttachType.CGROUP_INET4_POST_BIND,
  AttachType.CGROUP_INET6_POST_BIND,
  AttachType.CGROUP_UDP4_SENDMSG,
  AttachType.CGROUP_UDP6_SENDMSG,
  AttachType.CGROUP_UNIX_SENDMSG,
  AttachType.CGROUP_UDP4_RECVMSG,
  AttachType.CGROUP_UDP6_RECVMSG,
  AttachType.CGROUP_UNIX_RECVMSG,
  AttachType.CGROUP_INET4_GETPEERNAME,
  AttachType.CGROUP_INET6_GETPEERNAME,
  AttachType.CGROUP_UNIX_GETPEERNAME,
  AttachType.CGROUP_INET4_GETSOCKNAME,
  AttachType.CGROUP_INET6_GETSOCKNAME,
  AttachType.CGROUP_UNIX_GETSOCKNAME,
  AttachType.CGROUP_SYSCTL,
  AttachType.CGROUP_GETSOCKOPT,
  AttachType.CGROUP_SETSOCKOPT,
  AttachType.LSM_CGROUP,
]);

/**
 * BPF_LINK_CREATE on a cgroup v2 directory with the program's expected attach type (skb
 * ingress/egress, sock_create, connect4, sockopt, sysctl, device...). The directory fd is only
 * needed for the call: the link holds the cgroup itself.
 */
export function attachCgroup(
  backend: KernelBackend,
  program: FdArg,
  cgroupPath: string,
  attachType: number,
): Link {
  if (!cgroupAttachTypes.has(attachType)) {
    throw new UsageError(`${attachTypeName(attachType)} is not a cgroup attach type`, {
      hint: 'load the program with the expected attach type of its section (cgroup/sock_create, cgroup_skb/ingress...)',
    });
  }
  const target = `cgroup ${cgroupPath} (${attachTypeName(attachType)})`;
  using cgroup = openFile(
    cgroupPath,
    O_RDONLY | O_DIRECTORY,
    'give a cgroup v2 directory (mount -t cgroup2 none <dir>)',
  );
  const fd = backend.createLink({
    programFd: fdValue(program),
    targetFd: cgroup.value,
    attachType,
    what: target,
  });
  return new Link('cgroup', target, backend, fd);
}
