import { AttachType } from '@bpfkit/core';

/** enum bpf_link_type, the values the simulated kernel reports. */
const LinkType = {
  RAW_TRACEPOINT: 1,
  TRACING: 2,
  CGROUP: 3,
  ITER: 4,
  NETNS: 5,
  XDP: 6,
  PERF_EVENT: 7,
  KPROBE_MULTI: 8,
  NETFILTER: 10,
  TCX: 11,
  UPROBE_MULTI: 12,
  NETKIT: 13,
} as const;

const byAttachType = new Map<number, number>([
  [AttachType.TRACE_FENTRY, LinkType.TRACING],
  [AttachType.TRACE_FEXIT, LinkType.TRACING],
  [AttachType.MODIFY_RETURN, LinkType.TRACING],
  [AttachType.LSM_MAC, LinkType.TRACING],
  [AttachType.TRACE_ITER, LinkType.ITER],
  [AttachType.SK_LOOKUP, LinkType.NETNS],
  [AttachType.FLOW_DISSECTOR, LinkType.NETNS],
  [AttachType.XDP, LinkType.XDP],
  [AttachType.PERF_EVENT, LinkType.PERF_EVENT],
  [AttachType.TRACE_KPROBE_MULTI, LinkType.KPROBE_MULTI],
  [AttachType.NETFILTER, LinkType.NETFILTER],
  [AttachType.TCX_INGRESS, LinkType.TCX],
  [AttachType.TCX_EGRESS, LinkType.TCX],
  [AttachType.TRACE_UPROBE_MULTI, LinkType.UPROBE_MULTI],
  [AttachType.NETKIT_PRIMARY, LinkType.NETKIT],
  [AttachType.NETKIT_PEER, LinkType.NETKIT],
]);

/**
 * The link type the kernel gives a link made for this attach type (link_create's switch over
 * the program type, simplified to the attach type); raw tracepoints come from RAW_TRACEPOINT_OPEN.
 * The remaining attach types are cgroup hooks.
 */
export function linkTypeFor(attachType: number, rawTracepoint: boolean): number {
  if (rawTracepoint) return LinkType.RAW_TRACEPOINT;
  return byAttachType.get(attachType) ?? LinkType.CGROUP;
}
