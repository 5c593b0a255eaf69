import { type MapSpec, mapTypeName } from '@bpfkit/core';
import type { MapInfo } from '@bpfkit/kernel-backend';

/**
 * Why an existing map cannot stand in for a spec, or undefined when it can. Compares what
 * libbpf's map_is_reuse_compat compares: type, key and value size, max entries, flags, map_extra.
 */
export function mapIncompatibility(spec: MapSpec, info: MapInfo): string | undefined {
  const differences: string[] = [];
  if (info.type !== spec.type)
    differences.push(`type ${mapTypeName(info.type)} != ${mapTypeName(spec.type)}`);
  if (info.keySize !== spec.keySize) differences.push(`key size ${info.keySize} != ${spec.keySize}`);
  if (info.valueSize !== spec.valueSize)
    differences.push(`value size ${info.valueSize} != ${spec.valueSize}`);
  if (info.maxEntries !== spec.maxEntries)
    differences.push(`max entries ${info.maxEntries} != ${spec.maxEntries}`);
  if (info.flags !== spec.flags)
    differences.push(`flags 0x${info.flags.toString(16)} != 0x${spec.flags.toString(16)}`);
  if (info.mapExtra !== (spec.mapExtra ?? 0n))
    differences.push(`map_extra ${info.mapExtra} != ${spec.mapExtra ?? 0n}`);
  return differences.length === 0 ? undefined : differences.join(', ');
}
