// enum bpf_map_type from include/uapi/linux/bpf.h. Values are ABI: append only.
export const MapType = {
  UNSPEC: 0,
  HASH: 1,
  ARRAY: 2,
  PROG_ARRAY: 3,
  PERF_EVENT_ARRAY: 4,
  PERCPU_HASH: 5,
  PERCPU_ARRAY: 6,
  STACK_TRACE: 7,
  CGROUP_ARRAY: 8,
  LRU_HASH: 9,
  LRU_PERCPU_HASH: 10,
  LPM_TRIE: 11,
  ARRAY_OF_MAPS: 12,
  HASH_OF_MAPS: 13,
  DEVMAP: 14,
  SOCKMAP: 15,
  CPUMAP: 16,
  XSKMAP: 17,
  SOCKHASH: 18,
  CGROUP_STORAGE: 19,
  REUSEPORT_SOCKARRAY: 20,
  PERCPU_CGROUP_STORAGE: 21,
  QUEUE: 22,
  STACK: 23,
  SK_STORAGE: 24,
  DEVMAP_HASH: 25,
  STRUCT_OPS: 26,
  RINGBUF: 27,
  INODE_STORAGE: 28,
  TASK_STORAGE: 29,
  BLOOM_FILTER: 30,
  USER_RINGBUF: 31,
  CGRP_STORAGE: 32,
  ARENA: 33,
} as const;
export type MapTypeName = keyof typeof MapType;

const mapTypeNames = new Map<number, string>(Object.entries(MapType).map(([k, v]) => [v, k]));

/** The lowercase name bpftool prints for a map type ("hash", "percpu_array"), or "unknown(N)". */
export function mapTypeName(type: number): string {
  const name = mapTypeNames.get(type);
  return name === undefined ? `unknown(${type})` : name.toLowerCase();
}

/** Parses "hash", "HASH" or "BPF_MAP_TYPE_HASH"; undefined when unknown. */
export function parseMapType(name: string): number | undefined {
  const key = name.toUpperCase().replace(/^BPF_MAP_TYPE_/, '') as MapTypeName;
  return MapType[key];
}

/** Map types whose value is a file descriptor of another map (map-in-map). */
export function isMapInMapType(type: number): boolean {
  return type === MapType.ARRAY_OF_MAPS || type === MapType.HASH_OF_MAPS;
}

/** Map types that are indexed by CPU and whose values are replicated per CPU. */
export function isPerCpuMapType(type: number): boolean {
  return (
    type === MapType.PERCPU_HASH ||
    type === MapType.PERCPU_ARRAY ||
    type === MapType.LRU_PERCPU_HASH ||
    type === MapType.PERCPU_CGROUP_STORAGE
  );
}
