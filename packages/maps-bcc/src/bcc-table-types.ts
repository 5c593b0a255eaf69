import { MapType } from '@bpfkit/core';

/**
 * BCC's table types (the `<type>` of `maps/<type>`) and the map type each becomes, as BCC's
 * frontend maps them. "histogram" is a HASH unless its key is `int` (then an ARRAY); that rule
 * needs the key type and lives in the definition reader.
 */
export const BccTableType: Readonly<Record<string, number>> = {
  hash: MapType.HASH,
  array: MapType.ARRAY,
  histogram: MapType.HASH,
  percpu_hash: MapType.PERCPU_HASH,
  percpu_array: MapType.PERCPU_ARRAY,
  lru_hash: MapType.LRU_HASH,
  lru_percpu_hash: MapType.LRU_PERCPU_HASH,
  lpm_trie: MapType.LPM_TRIE,
  prog: MapType.PROG_ARRAY,
  perf_output: MapType.PERF_EVENT_ARRAY,
  perf_array: MapType.PERF_EVENT_ARRAY,
  ringbuf: MapType.RINGBUF,
  queue: MapType.QUEUE,
  stack: MapType.STACK,
  cgroup_array: MapType.CGROUP_ARRAY,
  stacktrace: MapType.STACK_TRACE,
  devmap: MapType.DEVMAP,
  cpumap: MapType.CPUMAP,
  xskmap: MapType.XSKMAP,
  array_of_maps: MapType.ARRAY_OF_MAPS,
  hash_of_maps: MapType.HASH_OF_MAPS,
  sk_storage: MapType.SK_STORAGE,
  sockmap: MapType.SOCKMAP,
  sockhash: MapType.SOCKHASH,
  cgroup_storage: MapType.CGROUP_STORAGE,
  percpu_cgroup_storage: MapType.PERCPU_CGROUP_STORAGE,
  inode_storage: MapType.INODE_STORAGE,
  task_storage: MapType.TASK_STORAGE,
};

/**
 * Sections that hold no table of their own: BPF_TABLE_PUBLIC ("export") and BPF_TABLE_SHARED
 * ("shared") mark a table of this object for other BCC modules; "extern" names a table that
 * another module owns.
 */
export const BCC_SHARING_SECTIONS: ReadonlySet<string> = new Set(['export', 'shared', 'extern']);

/** The map type of a BCC table type, or undefined when BCC does not know it. */
export function bccMapType(tableType: string): number | undefined {
  return Object.hasOwn(BccTableType, tableType) ? BccTableType[tableType] : undefined;
}
