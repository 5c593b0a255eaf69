import {
  type BpfkitErrorOptions,
  type ErrorLocation,
  MapDefinitionError,
  ProgramDefinitionError,
  UsageError,
} from '@bpfkit/core';
import type { LinkCreateAttr, MapCreateAttr, ProgLoadAttr, TestRunOptions } from './backend.js';

/**
 * Every size, count and id that reaches a union bpf_attr is checked here, once, against the width
 * of its UAPI field, by both backends: a value that does not fit is refused with a typed error
 * naming the map or program and the field, never truncated to the low 32 bits (a corrupt object
 * whose .bss claims 2^51+16 bytes must not become a 16-byte map).
 */
const U32_MAX = 0xffff_ffff;
const U64_MAX = (1n << 64n) - 1n;

/** Who owns a field, for the message and the error class (bad maps and programs are bad input). */
type Owner =
  | { kind: 'map'; name: string }
  | { kind: 'program'; name: string }
  | { kind: 'call'; name: string };

function refuse(owner: Owner, field: string, value: number | bigint, width: string): never {
  // the owner is named in the message by its kernel name; the loader adds the spec's name as location
  const location: ErrorLocation = { field };
  const message = `${owner.kind === 'call' ? owner.name : `${owner.kind} ${owner.name}`}: ${field} ${value} does not fit the kernel's ${width} field`;
  const options: BpfkitErrorOptions = {
    location,
    hint:
      owner.kind === 'call'
        ? `pass a ${width} value to ${owner.name}`
        : 'the object is corrupt or hostile (a size or count no kernel accepts): rebuild it from source',
  };
  if (owner.kind === 'map') throw new MapDefinitionError(message, options);
  if (owner.kind === 'program') throw new ProgramDefinitionError(message, options);
  throw new UsageError(message, options);
}

export function checkU32(owner: Owner, field: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) refuse(owner, field, value, 'u32');
}

export function checkU64(owner: Owner, field: string, value: bigint | undefined): void {
  if (value === undefined) return;
  if (value < 0n || value > U64_MAX) refuse(owner, field, value, 'u64');
}

/** A byte length that the kernel reads as a count of `recordSize`-byte records in a u32. */
function checkRecords(owner: Owner, field: string, bytes: number, recordSize: number): void {
  if (bytes % recordSize !== 0) {
    refuse(owner, field, bytes, `multiple of ${recordSize} bytes`);
  }
  checkU32(owner, field, bytes / recordSize);
}

/** BPF_MAP_CREATE: every u32 of struct { map_type ... btf_vmlinux_value_type_id } and map_extra. */
export function checkMapCreateAttr(attr: MapCreateAttr): void {
  const owner: Owner = { kind: 'map', name: attr.name };
  checkU32(owner, 'map_type', attr.type);
  checkU32(owner, 'key_size', attr.keySize);
  checkU32(owner, 'value_size', attr.valueSize);
  checkU32(owner, 'max_entries', attr.maxEntries);
  checkU32(owner, 'map_flags', attr.flags);
  checkU32(owner, 'inner_map_fd', attr.innerMapFd);
  checkU32(owner, 'numa_node', attr.numaNode);
  checkU32(owner, 'map_ifindex', attr.mapIfindex);
  checkU32(owner, 'btf_fd', attr.btfFd);
  checkU32(owner, 'btf_key_type_id', attr.btfKeyTypeId);
  checkU32(owner, 'btf_value_type_id', attr.btfValueTypeId);
  checkU32(owner, 'btf_vmlinux_value_type_id', attr.btfVmlinuxValueTypeId);
  checkU64(owner, 'map_extra', attr.mapExtra);
}

/** BPF_PROG_LOAD: insn_cnt, func/line info counts and record sizes, ids, fds and log fields. */
export function checkProgLoadAttr(attr: ProgLoadAttr): void {
  const owner: Owner = { kind: 'program', name: attr.name };
  checkU32(owner, 'prog_type', attr.type);
  checkRecords(owner, 'insn_cnt', attr.instructions.length, 8);
  checkU32(owner, 'kern_version', attr.kernelVersion);
  checkU32(owner, 'prog_flags', attr.flags);
  checkU32(owner, 'expected_attach_type', attr.expectedAttachType);
  checkU32(owner, 'prog_btf_fd', attr.btfFd);
  checkU32(owner, 'func_info_rec_size', attr.funcInfoRecSize);
  checkU32(owner, 'line_info_rec_size', attr.lineInfoRecSize);
  if (attr.funcInfo && attr.funcInfo.length > 0) {
    checkRecords(owner, 'func_info_cnt', attr.funcInfo.length, attr.funcInfoRecSize || 8);
  }
  if (attr.lineInfo && attr.lineInfo.length > 0) {
    checkRecords(owner, 'line_info_cnt', attr.lineInfo.length, attr.lineInfoRecSize || 16);
  }
  checkU32(owner, 'attach_btf_id', attr.attachBtfId);
  checkU32(owner, 'attach_btf_obj_fd', attr.attachBtfObjFd);
  checkU32(owner, 'attach_prog_fd', attr.attachProgFd);
  checkU32(owner, 'fd_array', attr.fdArray?.length);
  checkU32(owner, 'log_level', attr.logLevel);
  checkU32(owner, 'log_size', attr.logSize);
}

/** BPF_LINK_CREATE. */
export function checkLinkCreateAttr(attr: LinkCreateAttr): void {
  const owner: Owner = { kind: 'call', name: `BPF_LINK_CREATE (${attr.what ?? 'link'})` };
  checkU32(owner, 'prog_fd', attr.programFd);
  checkU32(owner, 'target_fd', attr.targetFd);
  checkU32(owner, 'target_ifindex', attr.targetIfindex);
  checkU32(owner, 'attach_type', attr.attachType);
  checkU32(owner, 'flags', attr.flags);
  checkU32(owner, 'target_btf_id', attr.targetBtfId);
  checkU32(owner, 'iter_info_len', attr.iterInfo?.length);
  checkU32(owner, 'relative_fd', attr.relativeFd);
  checkU64(owner, 'cookie', attr.cookie);
  checkU64(owner, 'expected_revision', attr.expectedRevision);
}

/** BPF_PROG_TEST_RUN. */
export function checkTestRunOptions(options: TestRunOptions): void {
  const owner: Owner = { kind: 'call', name: 'BPF_PROG_TEST_RUN' };
  checkU32(owner, 'data_size_in', options.data?.length);
  checkU32(owner, 'data_size_out', options.dataOutSize);
  checkU32(owner, 'ctx_size_in', options.ctx?.length);
  checkU32(owner, 'ctx_size_out', options.ctxOutSize);
  checkU32(owner, 'repeat', options.repeat);
  checkU32(owner, 'flags', options.flags);
  checkU32(owner, 'cpu', options.cpu);
  checkU32(owner, 'batch_size', options.batchSize);
}
