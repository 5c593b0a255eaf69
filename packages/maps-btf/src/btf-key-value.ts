import { MapType } from '@bpfkit/core';

/**
 * Map types whose MAP_CREATE the kernel refuses when given BTF key/value type ids: their values
 * are fds or fixed kernel records, not data the BTF describes. libbpf's bpf_object__create_map
 * clears btf_fd and both ids for these; specs keep the ids (they are facts of the object) and the
 * loader asks this function before it creates the map.
 */
const REFUSES_BTF_KEY_VALUE: ReadonlySet<number> = new Set([
  MapType.PERF_EVENT_ARRAY,
  MapType.CGROUP_ARRAY,
  MapType.STACK_TRACE,
  MapType.ARRAY_OF_MAPS,
  MapType.HASH_OF_MAPS,
  MapType.DEVMAP,
  MapType.DEVMAP_HASH,
  MapType.CPUMAP,
  MapType.XSKMAP,
  MapType.SOCKMAP,
  MapType.SOCKHASH,
  MapType.QUEUE,
  MapType.STACK,
  MapType.RINGBUF,
]);

/** True when MAP_CREATE may carry btf_key_type_id / btf_value_type_id for this map type. */
export function mapTypeAcceptsBtfKeyValue(type: number): boolean {
  return !REFUSES_BTF_KEY_VALUE.has(type);
}
