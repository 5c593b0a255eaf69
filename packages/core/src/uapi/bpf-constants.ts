// Flags and pseudo source registers from include/uapi/linux/bpf.h.

/** src_reg values of BPF_LD | BPF_IMM | BPF_DW that tell the kernel what imm means. */
export const PseudoSrc = {
  MAP_FD: 1,
  MAP_VALUE: 2,
  BTF_ID: 3,
  FUNC: 4,
  MAP_IDX: 5,
  MAP_IDX_VALUE: 6,
} as const;

/** src_reg values of BPF_JMP | BPF_CALL. */
export const PseudoCall = {
  HELPER: 0,
  CALL: 1,
  KFUNC_CALL: 2,
} as const;

export const MapFlag = {
  NO_PREALLOC: 1 << 0,
  NO_COMMON_LRU: 1 << 1,
  NUMA_NODE: 1 << 2,
  RDONLY: 1 << 3,
  WRONLY: 1 << 4,
  STACK_BUILD_ID: 1 << 5,
  ZERO_SEED: 1 << 6,
  RDONLY_PROG: 1 << 7,
  WRONLY_PROG: 1 << 8,
  CLONE: 1 << 9,
  MMAPABLE: 1 << 10,
  PRESERVE_ELEMS: 1 << 11,
  INNER_MAP: 1 << 12,
  /** struct_ops maps registered through a BPF link (BPF_LINK_CREATE), not by the map update (6.4) */
  LINK: 1 << 13,
} as const;

export const ProgramFlag = {
  STRICT_ALIGNMENT: 1 << 0,
  ANY_ALIGNMENT: 1 << 1,
  TEST_RND_HI32: 1 << 2,
  TEST_STATE_FREQ: 1 << 3,
  SLEEPABLE: 1 << 4,
  XDP_HAS_FRAGS: 1 << 5,
} as const;

/** Flags of BPF_MAP_UPDATE_ELEM. */
export const UpdateFlag = {
  ANY: 0,
  NOEXIST: 1,
  EXIST: 2,
  F_LOCK: 4,
} as const;

/** enum libbpf_pin_type, as written in a BTF map's `pinning` field. */
export const LibbpfPinType = {
  NONE: 0,
  BY_NAME: 1,
} as const;

/** The kernel's object name limit (BPF_OBJ_NAME_LEN), terminating NUL included. */
export const BPF_OBJ_NAME_LEN = 16;
