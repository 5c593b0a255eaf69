import { MapFlag, type MapSpec, MapType } from '@bpfkit/core';
import type { ExternPlan } from './extern-plan.js';

/**
 * The .kconfig map libbpf makes for kconfig externs (LIBBPF_MAP_KCONFIG): a one-entry ARRAY whose
 * value holds every extern, read-only for programs, mmap-able, frozen after the initial write.
 * Undefined when the object has no kconfig extern. The loader may set `kernelName` as for other
 * internal maps ("obj_name.kconfig").
 */
export function kconfigMapSpec(plan: ExternPlan, data: Uint8Array): MapSpec | undefined {
  if (plan.kconfigSize === 0) return undefined;
  const spec: MapSpec = {
    name: '.kconfig',
    type: MapType.ARRAY,
    keySize: 4,
    valueSize: plan.kconfigSize,
    maxEntries: 1,
    flags: MapFlag.RDONLY_PROG | MapFlag.MMAPABLE,
    pinning: { kind: 'none' },
    initialData: data,
    freeze: true,
    kind: 'data',
    source: { format: 'kconfig', section: '.kconfig', sectionIndex: -1, offset: 0 },
  };
  // The DATASEC is only named here, not made the value type: clang leaves its offsets zero
  // until the loader lays it out as libbpf does (plan offsets, VARs made GLOBAL_ALLOCATED).
  if (plan.kconfigDatasecId !== undefined) spec.source.btfTypeId = plan.kconfigDatasecId;
  return spec;
}
