import type { LinkInfo, MapInfo, ProgramInfo } from '../backend.js';
import { BpfCommand } from '../bpf-command.js';
import { AttrBuffer } from './attr-buffer.js';
import type { BpfSyscall } from './syscall.js';

// The `info` struct of union bpf_attr (BPF_OBJ_GET_INFO_BY_FD): bpf_fd, info_len, info.
const INFO_ATTR_SIZE = 16;
/** sizeof(struct bpf_map_info) as of map_extra (5.16) */
const MAP_INFO_SIZE = 88;
/** sizeof(struct bpf_prog_info) in the 6.1 UAPI; the kernel copies min(its size, ours) */
const PROG_INFO_SIZE = 232;
/** map ids fetched in the first call; a program using more is asked a second time */
const MAP_IDS_FIRST_TRY = 64;
/** sizeof(struct bpf_func_info) */
const FUNC_INFO_REC_SIZE = 8;
/** struct bpf_link_info: type, id, prog_id and the largest union member this file reads */
const LINK_INFO_SIZE = 48;
/** room for raw_tracepoint.tp_name */
const TP_NAME_SIZE = 128;

function getInfo(sys: BpfSyscall, fd: number, info: AttrBuffer, what: string): number {
  const attr = new AttrBuffer(INFO_ATTR_SIZE);
  attr.setU32(0, fd);
  attr.setU32(4, info.size);
  attr.setU64(8, info.address);
  sys.call(BpfCommand.OBJ_GET_INFO_BY_FD, attr, INFO_ATTR_SIZE, { what: `${what} fd ${fd}` });
  return attr.getU32(4);
}

/** struct bpf_map_info of a map fd. */
export function readMapInfo(sys: BpfSyscall, fd: number): MapInfo {
  const info = new AttrBuffer(MAP_INFO_SIZE);
  getInfo(sys, fd, info, 'map');
  return {
    type: info.getU32(0),
    id: info.getU32(4),
    keySize: info.getU32(8),
    valueSize: info.getU32(12),
    maxEntries: info.getU32(16),
    flags: info.getU32(20),
    name: info.getName(24, 16),
    ifindex: info.getU32(40),
    btfId: info.getU32(64),
    btfKeyTypeId: info.getU32(68),
    btfValueTypeId: info.getU32(72),
    mapExtra: info.getBigU64(80),
  };
}

/** struct bpf_prog_info of a program fd, with the ids of the maps it uses. */
export function readProgramInfo(sys: BpfSyscall, fd: number): ProgramInfo {
  let capacity = MAP_IDS_FIRST_TRY;
  for (;;) {
    const info = new AttrBuffer(PROG_INFO_SIZE);
    const mapIds = new AttrBuffer(capacity * 4);
    info.setU32(52, capacity);
    info.setU64(56, mapIds.address);
    // the first struct bpf_func_info (insn_off, type_id): the entry's BTF FUNC, whose name is
    // the program's full name (the kernel keeps only 15 characters; bpftool's get_prog_full_name)
    const funcInfo = new AttrBuffer(FUNC_INFO_REC_SIZE);
    info.setU32(132, FUNC_INFO_REC_SIZE);
    info.setU64(136, funcInfo.address);
    info.setU32(144, 1);
    getInfo(sys, fd, info, 'program');
    const used = info.getU32(52);
    if (used > capacity) {
      capacity = used;
      continue;
    }
    const ids: number[] = [];
    for (let i = 0; i < used; i++) ids.push(mapIds.getU32(i * 4));
    const tag = Buffer.from(info.bytes.subarray(8, 16)).toString('hex');
    return {
      type: info.getU32(0),
      id: info.getU32(4),
      name: info.getName(64, 16),
      tag,
      jitedLength: info.getU32(16),
      xlatedLength: info.getU32(20),
      mapIds: ids,
      btfId: info.getU32(128),
      loadTime: info.getBigU64(40),
      createdByUid: info.getU32(48),
      gplCompatible: (info.getU32(84) & 1) === 1,
      funcTypeId: info.getU32(144) > 0 ? funcInfo.getU32(4) : 0,
    };
  }
}

/** enum bpf_link_type values whose union member this file decodes */
const LinkKind = { RAW_TRACEPOINT: 1, TRACING: 2, CGROUP: 3, NETNS: 5, XDP: 6, TCX: 11, NETKIT: 13 } as const;

/** struct bpf_link_info of a link fd (the union read per link type, as bpftool's show_link_info). */
export function readLinkInfo(sys: BpfSyscall, fd: number): LinkInfo {
  // Asked with the union zeroed first: for some link types (perf_event, kprobe_multi) the union
  // carries user buffers the kernel writes to, so only raw tracepoints get one, in a second call.
  const info = new AttrBuffer(LINK_INFO_SIZE);
  getInfo(sys, fd, info, 'link');
  const common = { type: info.getU32(0), id: info.getU32(4), programId: info.getU32(8) };
  // the union starts at offset 16 (it holds u64 members)
  switch (common.type) {
    case LinkKind.RAW_TRACEPOINT: {
      const named = new AttrBuffer(LINK_INFO_SIZE);
      const tpName = new AttrBuffer(TP_NAME_SIZE);
      named.setU64(16, tpName.address);
      named.setU32(24, TP_NAME_SIZE);
      getInfo(sys, fd, named, 'link');
      return { ...common, tracepoint: tpName.getName(0, TP_NAME_SIZE) };
    }
    case LinkKind.TRACING:
      return {
        ...common,
        attachType: info.getU32(16),
        targetObjectId: info.getU32(20),
        targetBtfId: info.getU32(24),
      };
    case LinkKind.CGROUP:
      return { ...common, cgroupId: info.getBigU64(16), attachType: info.getU32(24) };
    case LinkKind.NETNS:
      return { ...common, netnsIno: info.getU32(16), attachType: info.getU32(20) };
    case LinkKind.XDP:
      return { ...common, ifindex: info.getU32(16) };
    case LinkKind.TCX:
    case LinkKind.NETKIT:
      return { ...common, ifindex: info.getU32(16), attachType: info.getU32(20) };
    default:
      return common;
  }
}
