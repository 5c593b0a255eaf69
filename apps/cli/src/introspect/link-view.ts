import { attachTypeName } from '@bpfkit/core';
import type { Fd, KernelBackend } from '@bpfkit/kernel-backend';

/** enum bpf_link_type, by the names bpftool prints */
const LINK_TYPES = [
  'unspec',
  'raw_tracepoint',
  'tracing',
  'cgroup',
  'iter',
  'netns',
  'xdp',
  'perf_event',
  'kprobe_multi',
  'struct_ops',
  'netfilter',
  'tcx',
  'uprobe_multi',
  'netkit',
  'sockmap',
];

/** A link as `bpftool link list --json` prints it: id, type, prog_id and the target's fields. */
export interface LinkView {
  id: number;
  type: string;
  prog_id: number;
  tp_name?: string;
  attach_type?: string;
  target_obj_id?: number;
  target_btf_id?: number;
  cgroup_id?: number;
  netns_ino?: number;
  ifindex?: number;
}

export function describeLink(backend: KernelBackend, fd: Fd): LinkView {
  const info = backend.linkInfo(fd);
  return {
    id: info.id,
    type: LINK_TYPES[info.type] ?? `unknown(${info.type})`,
    prog_id: info.programId,
    ...(info.tracepoint === undefined ? {} : { tp_name: info.tracepoint }),
    ...(info.attachType === undefined ? {} : { attach_type: attachTypeName(info.attachType) }),
    ...(info.targetObjectId === undefined ? {} : { target_obj_id: info.targetObjectId }),
    ...(info.targetBtfId === undefined ? {} : { target_btf_id: info.targetBtfId }),
    ...(info.cgroupId === undefined ? {} : { cgroup_id: Number(info.cgroupId) }),
    ...(info.netnsIno === undefined ? {} : { netns_ino: info.netnsIno }),
    ...(info.ifindex === undefined ? {} : { ifindex: info.ifindex }),
  };
}
