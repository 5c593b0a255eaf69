import { AttachType } from '@bpfkit/core';
import { checkLinkCreateAttr } from '../attr-checks.js';
import type { LinkCreateAttr } from '../backend.js';
import { BpfCommand } from '../bpf-command.js';
import { AttrBuffer } from '../linux/attr-buffer.js';
import { addressOf } from '../linux/libc.js';
import type { BpfSyscall } from '../linux/syscall.js';

// The link_create struct of union bpf_attr (include/uapi/linux/bpf.h): prog_fd, target_fd (or
// target_ifindex), attach_type, flags, then a union whose layout depends on the attach type.
const LINK_CREATE_SIZE = 64;
const UNION = 16;
// raw_tracepoint: name, prog_fd (cookie at 16 is 6.10+ and left out, so older kernels accept it)
const RAW_TRACEPOINT_OPEN_SIZE = 16;
// iter_create: link_fd, flags
const ITER_CREATE_SIZE = 8;
// link_detach: link_fd
const LINK_DETACH_SIZE = 4;

const tracingAttachTypes: ReadonlySet<number> = new Set([
  AttachType.TRACE_FENTRY,
  AttachType.TRACE_FEXIT,
  AttachType.MODIFY_RETURN,
  AttachType.LSM_MAC,
  AttachType.TRACE_RAW_TP,
]);

/** BPF_LINK_CREATE: a link fd that keeps the program attached until its last reference closes. */
export function createLink(sys: BpfSyscall, link: LinkCreateAttr): number {
  checkLinkCreateAttr(link);
  const attr = new AttrBuffer(LINK_CREATE_SIZE);
  attr.setU32(0, link.programFd);
  attr.setU32(4, link.targetIfindex ?? link.targetFd ?? 0);
  attr.setU32(8, link.attachType);
  attr.setU32(12, link.flags ?? 0);
  const iterInfo = link.iterInfo;
  if (link.attachType === AttachType.TRACE_ITER && iterInfo && iterInfo.length > 0) {
    attr.setU64(UNION, addressOf(iterInfo));
    attr.setU32(UNION + 8, iterInfo.length);
  } else if (link.attachType === AttachType.PERF_EVENT) {
    // perf_event.bpf_cookie
    attr.setBigU64(UNION, link.cookie ?? 0n);
  } else if (link.attachType === AttachType.TCX_INGRESS || link.attachType === AttachType.TCX_EGRESS) {
    // tcx: relative_fd (or relative_id), expected_revision
    attr.setU32(UNION, link.relativeFd ?? 0);
    attr.setBigU64(UNION + 8, link.expectedRevision ?? 0n);
  } else if (tracingAttachTypes.has(link.attachType)) {
    // tracing: target_btf_id (for freplace and re-attach), cookie
    attr.setU32(UNION, link.targetBtfId ?? 0);
    attr.setBigU64(UNION + 8, link.cookie ?? 0n);
  } else if (link.targetBtfId !== undefined) {
    attr.setU32(UNION, link.targetBtfId);
  }
  return sys.call(BpfCommand.LINK_CREATE, attr, LINK_CREATE_SIZE, { what: link.what ?? 'link' });
}

/**
 * BPF_RAW_TRACEPOINT_OPEN: attaches a raw_tp program to the named tracepoint, or (name null) a
 * tracing program to the target it was loaded for, as libbpf does on kernels without tracing links.
 */
export function openRawTracepoint(sys: BpfSyscall, programFd: number, name: string | null): number {
  const attr = new AttrBuffer(RAW_TRACEPOINT_OPEN_SIZE);
  const nameBytes = name === null ? undefined : Buffer.from(`${name}\0`, 'latin1');
  attr.setU64(0, nameBytes ? addressOf(nameBytes) : 0);
  attr.setU32(8, programFd);
  const fd = sys.call(BpfCommand.RAW_TRACEPOINT_OPEN, attr, RAW_TRACEPOINT_OPEN_SIZE, {
    what: name === null ? 'tracing program' : `raw tracepoint ${name}`,
  });
  void nameBytes; // alive until the kernel has copied the name
  return fd;
}

/** BPF_ITER_CREATE: an fd whose read(2) runs the iterator program of an iter link. */
export function createIterator(sys: BpfSyscall, linkFd: number): number {
  const attr = new AttrBuffer(ITER_CREATE_SIZE);
  attr.setU32(0, linkFd);
  return sys.call(BpfCommand.ITER_CREATE, attr, ITER_CREATE_SIZE, { what: `iter link fd ${linkFd}` });
}

/** BPF_LINK_DETACH: detaches the program; the link fd stays open but defunct. */
export function detachLink(sys: BpfSyscall, linkFd: number): void {
  const attr = new AttrBuffer(LINK_DETACH_SIZE);
  attr.setU32(0, linkFd);
  sys.call(BpfCommand.LINK_DETACH, attr, LINK_DETACH_SIZE, { what: `link fd ${linkFd}` });
}
