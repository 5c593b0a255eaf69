import { NotFoundError } from '@bpfkit/core';
import type { ObjectKind } from '../backend.js';
import { BpfCommand } from '../bpf-command.js';
import { Errno } from '../errno.js';
import { AttrBuffer } from './attr-buffer.js';
import type { BpfSyscall } from './syscall.js';

const NEXT_ID_COMMAND: Record<ObjectKind, number> = {
  program: BpfCommand.PROG_GET_NEXT_ID,
  map: BpfCommand.MAP_GET_NEXT_ID,
  btf: BpfCommand.BTF_GET_NEXT_ID,
  link: BpfCommand.LINK_GET_NEXT_ID,
};

// union bpf_attr for *_GET_NEXT_ID: start_id, next_id, open_flags
const NEXT_ID_SIZE = 12;
// union bpf_attr for OBJ_GET_INFO_BY_FD: bpf_fd, info_len, info (u64)
const INFO_ATTR_SIZE = 16;
// struct bpf_btf_info: btf (u64), btf_size, id, name (u64), name_len, kernel_btf
const BTF_INFO_SIZE = 32;

/** BPF_*_GET_NEXT_ID: the first id of that kind above `after`, undefined at the end (ENOENT). */
export function nextObjectId(sys: BpfSyscall, kind: ObjectKind, after: number): number | undefined {
  const attr = new AttrBuffer(NEXT_ID_SIZE);
  attr.setU32(0, after);
  const result = sys.raw(NEXT_ID_COMMAND[kind], attr, NEXT_ID_SIZE);
  if (result === -Errno.ENOENT) return undefined;
  if (result < 0) throw sys.error(NEXT_ID_COMMAND[kind], -result, { what: `next ${kind} id after ${after}` });
  return attr.getU32(4);
}

/** The raw BTF of a BTF object, via struct bpf_btf_info (asked twice: for its size, then its bytes). */
export function btfObjectBytes(sys: BpfSyscall, btfFd: number, btfId: number): Uint8Array {
  const size = btfInfo(sys, btfFd, btfId, undefined);
  const into = new AttrBuffer(size);
  btfInfo(sys, btfFd, btfId, into);
  return new Uint8Array(into.bytes.subarray(0, size));
}

function btfInfo(sys: BpfSyscall, fd: number, btfId: number, into: AttrBuffer | undefined): number {
  const info = new AttrBuffer(BTF_INFO_SIZE);
  if (into) {
    info.setU64(0, into.address);
    info.setU32(8, into.bytes.length);
  }
  const attr = new AttrBuffer(INFO_ATTR_SIZE);
  attr.setU32(0, fd);
  attr.setU32(4, BTF_INFO_SIZE);
  attr.setU64(8, info.address);
  const result = sys.raw(BpfCommand.OBJ_GET_INFO_BY_FD, attr, INFO_ATTR_SIZE);
  if (result === -Errno.ENOENT) throw new NotFoundError(`BTF id ${btfId} is gone`);
  if (result < 0) throw sys.error(BpfCommand.OBJ_GET_INFO_BY_FD, -result, { what: `BTF id ${btfId}` });
  return info.getU32(8);
}
