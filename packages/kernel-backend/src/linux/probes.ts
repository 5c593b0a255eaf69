import { isBpfkitError, MapFlag, MapType, ProgramType } from '@bpfkit/core';
import type { KernelBackend, MapCreateAttr, ProgLoadAttr } from '../backend.js';
import { Errno } from '../errno.js';

/** `r0 = 0; exit`: the smallest program every type accepts. */
const RETURN_ZERO = new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);

/**
 * A BTF blob with one type, [1] int (4 bytes, signed): local storage maps insist on a BTF key of
 * type int, as libbpf's own probe knows.
 */
const INT_ONLY_BTF = (() => {
  const bytes = new Uint8Array(24 + 16 + 5);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0xeb9f, true); // magic
  view.setUint8(2, 1); // version
  view.setUint32(4, 24, true); // hdr_len
  view.setUint32(8, 0, true); // type_off
  view.setUint32(12, 16, true); // type_len
  view.setUint32(16, 16, true); // str_off
  view.setUint32(20, 5, true); // str_len
  view.setUint32(24, 1, true); // name_off -> "int"
  view.setUint32(28, 1 << 24, true); // kind INT
  view.setUint32(32, 4, true); // size
  view.setUint32(36, (1 << 24) | 32, true); // BTF_INT_SIGNED, 32 bits
  bytes.set([0, 0x69, 0x6e, 0x74, 0], 40);
  return bytes;
})();

const localStorageTypes: ReadonlySet<number> = new Set([
  MapType.SK_STORAGE,
  MapType.INODE_STORAGE,
  MapType.TASK_STORAGE,
  MapType.CGRP_STORAGE,
]);

/** The smallest MAP_CREATE the kernel accepts for a type, following each type's alloc_check. */
function probeMapAttr(type: number): MapCreateAttr {
  const base: MapCreateAttr = { type, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0, name: 'probe' };
  switch (type) {
    case MapType.RINGBUF:
    case MapType.USER_RINGBUF:
      return { ...base, keySize: 0, valueSize: 0, maxEntries: 4096 };
    case MapType.QUEUE:
    case MapType.STACK:
    case MapType.BLOOM_FILTER:
      return { ...base, keySize: 0 };
    case MapType.LPM_TRIE:
      return { ...base, keySize: 8, flags: MapFlag.NO_PREALLOC };
    case MapType.CGROUP_STORAGE:
    case MapType.PERCPU_CGROUP_STORAGE:
      return { ...base, keySize: 16, maxEntries: 0 };
    case MapType.STACK_TRACE:
      return { ...base, valueSize: 8 };
    case MapType.ARENA:
      return { ...base, keySize: 0, valueSize: 0, flags: MapFlag.MMAPABLE };
    case MapType.STRUCT_OPS:
      // a bogus vmlinux type id: a kernel that knows struct_ops answers ENOTSUPP, one that does not EINVAL
      return { ...base, btfVmlinuxValueTypeId: 1 };
    default:
      return base;
  }
}

function errnoOf(error: unknown): number | undefined {
  return isBpfkitError(error) && 'errno' in error ? (error.errno as number) : undefined;
}

/** Can the kernel create a map of this type? Creates and closes the smallest one. */
export function probeMapType(backend: KernelBackend, type: number): boolean {
  const attr = probeMapAttr(type);
  const cleanup: { close(): void }[] = [];
  try {
    if (type === MapType.ARRAY_OF_MAPS || type === MapType.HASH_OF_MAPS) {
      const inner = backend.createMap({
        type: MapType.ARRAY,
        keySize: 4,
        valueSize: 4,
        maxEntries: 1,
        flags: 0,
        name: 'probe_inner',
      });
      cleanup.push(inner);
      attr.innerMapFd = inner.value;
    }
    if (localStorageTypes.has(type)) {
      const btf = backend.loadBtf(INT_ONLY_BTF);
      cleanup.push(btf);
      Object.assign(attr, {
        btfFd: btf.value,
        btfKeyTypeId: 1,
        btfValueTypeId: 1,
        maxEntries: 0,
        flags: MapFlag.NO_PREALLOC,
      });
    }
    backend.createMap(attr).close();
    return true;
  } catch (error) {
    if (type === MapType.STRUCT_OPS && errnoOf(error) === Errno.ENOTSUPP) return true;
    return false;
  } finally {
    for (const fd of cleanup.reverse()) fd.close();
  }
}

const needsAttachType: Partial<Record<number, number>> = {
  [ProgramType.CGROUP_SOCK_ADDR]: 8 /* BPF_CGROUP_INET4_BIND */,
  [ProgramType.SK_LOOKUP]: 36 /* BPF_SK_LOOKUP */,
  [ProgramType.NETFILTER]: 45 /* BPF_NETFILTER */,
  [ProgramType.SK_REUSEPORT]: 39 /* BPF_SK_REUSEPORT_SELECT */,
  [ProgramType.CGROUP_SOCKOPT]: 21 /* BPF_CGROUP_GETSOCKOPT */,
  // tp_btf: fentry/fexit would also need BPF trampolines, a separate feature this probe does not claim
  [ProgramType.TRACING]: 23 /* BPF_TRACE_RAW_TP */,
  [ProgramType.LSM]: 27 /* BPF_LSM_MAC */,
};

/**
 * Types that attach to a BTF function: probed with attach_btf_id 1 (never a function), which a
 * kernel that knows the type refuses with a log ("attach_btf_id 1 is not a function"), as libbpf's
 * probe does; a kernel without the type refuses before the verifier, with no log.
 */
const needsBtfTarget: ReadonlySet<number> = new Set([ProgramType.TRACING, ProgramType.LSM, ProgramType.EXT]);

/**
 * Can the kernel load a program of this type? A type the kernel does not know is refused before
 * the verifier runs (EINVAL, empty log); a known one either loads or is refused with a log
 * (tracing types without a BTF target, for example).
 */
export function probeProgramType(backend: KernelBackend, type: number): boolean {
  const attr: ProgLoadAttr = {
    type,
    instructions: RETURN_ZERO,
    license: 'GPL',
    name: 'probe',
    expectedAttachType: needsAttachType[type] ?? 0,
    ...(needsBtfTarget.has(type) ? { attachBtfId: 1 } : {}),
    logLevel: 1,
    logSize: 4096,
  };
  try {
    backend.loadProgram(attr).close();
    return true;
  } catch (error) {
    if (!isBpfkitError(error)) throw error;
    const log = 'log' in error ? String(error.log) : '';
    return log.trim() !== '';
  }
}
