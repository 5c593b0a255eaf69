/**
 * The contract between bpfkit and the kernel. Every bpf() call the project makes goes through a
 * KernelBackend: the Linux one (koffi -> syscall(2)) or the simulated one (tests, --dry-run).
 * Calls are synchronous on purpose: koffi calls are, and it keeps map operations cheap.
 */
import type { Fd } from './fd.js';

export { Fd, type FdOwner, fdValue } from './fd.js';

/** The kinds of kernel object that have ids. */
export type ObjectKind = 'program' | 'map' | 'btf' | 'link';

/** A descriptor argument: an owned Fd or a raw number the caller keeps alive. */
/**
 * Where an API takes a kernel object: its Fd, a raw fd number, or anything holding an Fd (the
 * loader's LiveMap and LiveProgram, a Link), so callers pass what they hold.
 */
export type FdArg = Fd | number | { readonly fd: Fd };

/** The BPF_MAP_CREATE fields of union bpf_attr, in bpfkit's words. */
export interface MapCreateAttr {
  /** BPF_MAP_TYPE_* */
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** BPF_F_* map flags */
  flags: number;
  /** truncated to 15 chars, characters outside [A-Za-z0-9_.] replaced by '_' (as libbpf does) */
  name: string;
  /** template map for ARRAY_OF_MAPS / HASH_OF_MAPS */
  innerMapFd?: number;
  /** honoured when flags has BPF_F_NUMA_NODE */
  numaNode?: number;
  mapExtra?: bigint;
  btfFd?: number;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  btfVmlinuxValueTypeId?: number;
  /** offload target device */
  mapIfindex?: number;
}

/** The BPF_PROG_LOAD fields of union bpf_attr. */
export interface ProgLoadAttr {
  /** BPF_PROG_TYPE_* */
  type: number;
  /** encoded struct bpf_insn, 8 bytes each, host byte order */
  instructions: Uint8Array;
  license: string;
  kernelVersion?: number;
  /** truncated/sanitised like MapCreateAttr.name */
  name: string;
  /** BPF_F_* program flags */
  flags?: number;
  expectedAttachType?: number;
  btfFd?: number;
  /** struct bpf_func_info records */
  funcInfo?: Uint8Array;
  funcInfoRecSize?: number;
  /** struct bpf_line_info records */
  lineInfo?: Uint8Array;
  lineInfoRecSize?: number;
  attachBtfId?: number;
  attachBtfObjFd?: number;
  attachProgFd?: number;
  /** fds referenced by BPF_PSEUDO_MAP_IDX / MAP_IDX_VALUE */
  fdArray?: Int32Array;
  /**
   * 0 (default) = no log unless the load fails, then retry with level 1 and a growing buffer to get
   * the full log, like libbpf. 1/2 (or with 4 = BPF_LOG_STATS) = always ask for that level.
   */
  logLevel?: number;
  /** initial log buffer size in bytes (default 64 KiB, grows up to 16 MiB) */
  logSize?: number;
}

/** Called with the verifier log of a successful load when logLevel > 0. */
export interface ProgLoadResult {
  fd: Fd;
  /** the verifier log, '' when none was asked for */
  log: string;
}

/** struct bpf_map_info, the fields bpfkit uses. */
export interface MapInfo {
  type: number;
  id: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  name: string;
  btfId: number;
  btfKeyTypeId: number;
  btfValueTypeId: number;
  mapExtra: bigint;
  ifindex: number;
}

/** struct bpf_prog_info, the fields bpfkit uses. */
export interface ProgramInfo {
  type: number;
  id: number;
  name: string;
  /** 8-byte program tag as 16 lowercase hex digits (bpftool's "tag") */
  tag: string;
  xlatedLength: number;
  jitedLength: number;
  mapIds: number[];
  btfId: number;
  /** ns since boot (CLOCK_BOOTTIME) */
  loadTime?: bigint;
  /** created_by_uid */
  createdByUid?: number;
  /** gpl_compatible: the license lets the program call GPL-only helpers */
  gplCompatible?: boolean;
  /** the BTF FUNC of the program's entry (func_info[0].type_id), 0 without func info */
  funcTypeId?: number;
}

/** struct bpf_link_info: the common fields, and the target of the link types that name one. */
export interface LinkInfo {
  /** enum bpf_link_type */
  type: number;
  id: number;
  programId: number;
  /** BPF_*_ATTACH type of tracing, cgroup, netns, tcx and netkit links */
  attachType?: number;
  /** raw_tracepoint.tp_name */
  tracepoint?: string;
  /** xdp, tcx and netkit links */
  ifindex?: number;
  /** cgroup.cgroup_id */
  cgroupId?: bigint;
  /** tracing.target_obj_id and target_btf_id */
  targetObjectId?: number;
  targetBtfId?: number;
  /** netns.netns_ino */
  netnsIno?: number;
}

/** BPF_PROG_TEST_RUN input. */
export interface TestRunOptions {
  /** packet / input data (data_in) */
  data?: Uint8Array;
  /** bytes reserved for data_out; default data.length + 256 (XDP may grow the packet) */
  dataOutSize?: number;
  /** context (ctx_in), e.g. struct __sk_buff or struct xdp_md */
  ctx?: Uint8Array;
  /** bytes reserved for ctx_out; default ctx.length when ctx is given, else 0 */
  ctxOutSize?: number;
  repeat?: number;
  flags?: number;
  cpu?: number;
  batchSize?: number;
}

/** BPF_PROG_TEST_RUN output. */
export interface TestRunResult {
  retval: number;
  /** average ns per run, as the kernel measures it */
  duration: number;
  dataOut: Uint8Array;
  ctxOut?: Uint8Array;
}

/** Result of a BPF_MAP_LOOKUP_BATCH step. */
export interface BatchResult {
  /** entries written to keys/values */
  count: number;
  /** true when the map was exhausted (the kernel answered ENOENT) */
  done: boolean;
}

/** The BPF_LINK_CREATE fields of union bpf_attr. */
export interface LinkCreateAttr {
  programFd: number;
  /** target_fd: a cgroup dir, a netns, a perf event; 0 for iter and tracing links */
  targetFd?: number;
  /** target_ifindex: XDP and tcx (shares the field with targetFd) */
  targetIfindex?: number;
  /** BPF_* attach type (AttachType) */
  attachType: number;
  /** link_create.flags, e.g. XDP_FLAGS_SKB_MODE for XDP links */
  flags?: number;
  /** tracing.target_btf_id (freplace, re-attach of fentry/fexit) */
  targetBtfId?: number;
  /** union bpf_iter_link_info for iter links (the map fd of a map iterator, say) */
  iterInfo?: Uint8Array;
  /** bpf_cookie of perf_event and tracing links */
  cookie?: bigint;
  /** tcx.relative_fd (0: append) */
  relativeFd?: number;
  /** tcx.expected_revision (0: do not check) */
  expectedRevision?: bigint;
  /** what the link is for, in messages: 'xdp on veth0' */
  what?: string;
}

/** A hook of a device's clsact qdisc: where `tc filter add dev X ingress|egress` puts a filter. */
export type TcDirection = 'ingress' | 'egress';

export interface TcHook {
  ifindex: number;
  direction: TcDirection;
  /** the device's name, for messages ('veth0'); the ifindex is what the kernel gets */
  device?: string;
}

/** The RTM_NEWTFILTER fields of a cls_bpf filter (`tc filter add ... bpf da fd N name NAME`). */
export interface TcBpfFilterAttr extends TcHook {
  programFd: number;
  /** TCA_BPF_NAME: what `tc filter show` prints for the program */
  name: string;
  /** 1..65535; 0 or absent: the kernel chooses (49152, then one less than the lowest present) */
  priority?: number;
  /** 0 or absent: the kernel chooses (1, 2, ...) */
  handle?: number;
  /** ETH_P_* in host order; default ETH_P_ALL */
  protocol?: number;
  /** TCA_BPF_FLAG_ACT_DIRECT: the program's return value is the tc action (default true) */
  directAction?: boolean;
}

/** Names exactly one filter: RTM_DELTFILTER needs all of these. */
export interface TcFilterRef extends TcHook {
  priority: number;
  handle: number;
  /** ETH_P_* in host order */
  protocol: number;
}

/** A filter on a clsact hook as the kernel reports it (an RTM_NEWTFILTER dump entry or echo). */
export interface TcFilter extends TcFilterRef {
  /** TCA_KIND: 'bpf' for cls_bpf */
  kind: string;
  chain: number;
  /** cls_bpf's options, when kind is 'bpf' */
  bpf?: { programId: number; name: string; directAction: boolean; tag: string };
}

export type BackendKind = 'linux' | 'simulated';

/** Every call bpfkit makes into the kernel. */
export interface KernelBackend {
  readonly kind: BackendKind;

  // --- maps ---
  createMap(attr: MapCreateAttr): Fd;
  /** false when the key does not exist (ENOENT) */
  mapLookup(map: FdArg, key: Uint8Array, value: Uint8Array, flags?: number): boolean;
  /** flags: UpdateFlag.ANY / NOEXIST / EXIST / F_LOCK */
  mapUpdate(map: FdArg, key: Uint8Array, value: Uint8Array, flags?: number): void;
  /** false when the key does not exist (ENOENT) */
  mapDelete(map: FdArg, key: Uint8Array): boolean;
  /** first key when key is null; false at the end */
  mapGetNextKey(map: FdArg, key: Uint8Array | null, nextKey: Uint8Array): boolean;
  /**
   * One BPF_MAP_LOOKUP_BATCH step: reads up to `count` entries after the position in inBatch (null =
   * start), writes keys/values packed back to back and the position to resume from into outBatch.
   */
  mapLookupBatch(
    map: FdArg,
    inBatch: Uint8Array | null,
    outBatch: Uint8Array,
    keys: Uint8Array,
    values: Uint8Array,
    count: number,
  ): BatchResult;
  /** returns the number of entries written */
  mapUpdateBatch(map: FdArg, keys: Uint8Array, values: Uint8Array, count: number, flags?: number): number;
  /** returns the number of entries deleted */
  mapDeleteBatch(map: FdArg, keys: Uint8Array, count: number): number;
  /** false when the key does not exist (or the queue/stack is empty) */
  mapLookupAndDelete(map: FdArg, key: Uint8Array | null, value: Uint8Array, flags?: number): boolean;
  mapFreeze(map: FdArg): void;
  /** BPF_PROG_BIND_MAP: keeps a map alive with a program that does not reference it in code (5.10) */
  bindMap(program: FdArg, map: FdArg): void;

  // --- programs and BTF ---
  /** throws VerifierError (from @bpfkit/core) carrying the verifier log on refusal */
  loadProgram(attr: ProgLoadAttr): Fd;
  /** like loadProgram, and also returns the log asked for with logLevel > 0 */
  loadProgramWithLog(attr: ProgLoadAttr): ProgLoadResult;
  /** throws BtfError carrying the kernel's BTF log on refusal */
  loadBtf(data: Uint8Array, options?: { logLevel?: number }): Fd;
  testRun(program: FdArg, options: TestRunOptions): TestRunResult;

  // --- links ---
  /** BPF_LINK_CREATE: an fd that keeps the program attached until it closes (or is detached) */
  createLink(attr: LinkCreateAttr): Fd;
  /** BPF_RAW_TRACEPOINT_OPEN: name null attaches a tracing program to the target it was loaded for */
  openRawTracepoint(program: FdArg, name: string | null): Fd;
  /** BPF_ITER_CREATE: an fd whose read(2) runs the program of an iter link */
  createIterator(link: FdArg): Fd;
  /** BPF_LINK_DETACH: detaches now; the link fd stays open but defunct */
  detachLink(link: FdArg): void;

  // --- tc (rtnetlink: what `tc qdisc` and `tc filter` do, for kernels without tcx links) ---
  /** RTM_NEWQDISC clsact (`tc qdisc add dev X clsact`); false when the device had one already */
  addClsactQdisc(ifindex: number, device?: string): boolean;
  /** RTM_DELQDISC clsact: the filters of both hooks go with it */
  deleteClsactQdisc(ifindex: number, device?: string): void;
  /** RTM_NEWTFILTER of a cls_bpf filter: the filter as the kernel made it (its priority, handle) */
  addTcFilter(attr: TcBpfFilterAttr): TcFilter;
  /** RTM_DELTFILTER of exactly one filter */
  deleteTcFilter(filter: TcFilterRef): void;
  /** RTM_GETTFILTER dump of one hook, in the kernel's order (by priority) */
  tcFilters(hook: TcHook): TcFilter[];

  // --- bpffs ---
  /**
   * BPF_OBJ_PIN, creating missing parent directories first; returns the directories it created,
   * outermost first, so that a caller undoing the pin can remove them again.
   */
  pin(fd: FdArg, path: string): readonly string[];
  getPinned(path: string): Fd;
  /** unlink(2) of a pin (rmdir(2) of an empty directory) */
  unpin(path: string): void;
  /**
   * rename(2) on bpffs: moves a pin or a directory of pins; a directory replaces an empty one, a
   * pin replaces an existing pin. What makes a set of pins appear at once.
   */
  renamePin(from: string, to: string): void;
  /** names of the entries of a pin directory, or undefined when it does not exist */
  listPins(dir: string): string[] | undefined;

  // --- introspection (BPF_OBJ_GET_INFO_BY_FD, *_GET_FD_BY_ID) ---
  mapInfo(fd: FdArg): MapInfo;
  programInfo(fd: FdArg): ProgramInfo;
  mapFdById(id: number): Fd;
  /** BPF_*_GET_NEXT_ID: the first id of that kind above `after`, undefined when there is none */
  nextId(kind: ObjectKind, after: number): number | undefined;
  /** the raw bytes of the kernel's BTF object `id` (as loaded with BPF_BTF_LOAD) */
  btfBytes(id: number): Uint8Array;
  programFdById(id: number): Fd;
  btfFdById(id: number): Fd;
  /** BPF_LINK_GET_FD_BY_ID */
  linkFdById(id: number): Fd;
  /** BPF_OBJ_GET_INFO_BY_FD of a link */
  linkInfo(fd: FdArg): LinkInfo;

  // --- machine ---
  /** number of possible CPUs (/sys/devices/system/cpu/possible): the stride of per-CPU values */
  possibleCpus(): number;
  /** memoized: can this kernel create a map of this type? */
  probeMapType(type: number): boolean;
  /** memoized: can this kernel load a program of this type? */
  probeProgramType(type: number): boolean;
}
