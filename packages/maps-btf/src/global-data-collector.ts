import { type Btf, objectBtf } from '@bpfkit/btf';
import {
  type MapCollector,
  MapFlag,
  type MapSpec,
  MapType,
  type ObjectFileView,
  type OpenContext,
  pooledCopy,
  type SectionView,
  SHF_EXECINSTR,
  SHT_NOBITS,
  SHT_PROGBITS,
} from '@bpfkit/core';
import { findDatasec } from './find-datasec.js';
import { internalMapKernelName } from './internal-map-name.js';

// `base` or `base.<anything>`, without building `${base}.` for every section of every open.
const hasPrefix = (name: string, base: string) =>
  name === base || (name.startsWith(base) && name.charCodeAt(base.length) === 0x2e);

/**
 * Sections libbpf's bpf_object__elf_collect turns into global-data maps: non-executable PROGBITS
 * `.data`, `.data.*`, `.rodata`, `.rodata.*` and NOBITS `.bss`, `.bss.*`. (`.kconfig` is made
 * from externs, not from a section.)
 */
export function isGlobalDataSection(section: SectionView): boolean {
  if (section.type === SHT_NOBITS) return hasPrefix(section.name, '.bss');
  if (section.type !== SHT_PROGBITS || (section.flags & SHF_EXECINSTR) !== 0n) return false;
  return hasPrefix(section.name, '.data') || isReadOnlyDataSection(section.name);
}

export function isReadOnlyDataSection(name: string): boolean {
  return hasPrefix(name, '.rodata');
}

/**
 * One global-data section as the single-entry ARRAY map libbpf's bpf_object__init_internal_map
 * makes of it: 4-byte key, the section as the value, the section bytes (a copy; none for .bss,
 * which starts zeroed) as initial data. `.rodata*` maps are read-only for programs and frozen
 * after the initial write. BPF_F_MMAPABLE is set when the section's DATASEC has a variable that
 * is neither static nor hidden (libbpf's map_is_mmapable); the loader drops it on kernels without
 * mmap-able arrays. The map is named after its section (".rodata", ".data.custom"), which is the
 * name libbpf's bpf_object__find_map_by_name also accepts; the collector sets `kernelName` to the
 * name libbpf gives the kernel (internalMapKernelName). Empty sections make no map (undefined).
 */
export function readGlobalData(file: ObjectFileView, section: SectionView, btf?: Btf): MapSpec | undefined {
  if (section.size === 0) return undefined;
  const readOnly = isReadOnlyDataSection(section.name);
  const spec: MapSpec = {
    kind: 'data',
    name: section.name,
    type: MapType.ARRAY,
    keySize: 4,
    valueSize: section.size,
    maxEntries: 1,
    flags: readOnly ? MapFlag.RDONLY_PROG : 0,
    pinning: { kind: 'none' },
    source: { format: 'global-data', section: section.name, sectionIndex: section.index, offset: 0 },
  };
  // A copy, as a plain Uint8Array: the view may be a Node Buffer, whose slice() shares memory.
  if (section.type !== SHT_NOBITS) spec.initialData = pooledCopy(file.sectionData(section.index));
  if (readOnly) spec.freeze = true;
  const datasecId = btf === undefined ? undefined : findDatasec(btf, section.name);
  if (btf && datasecId !== undefined) {
    // libbpf's map_fill_btf_type_info: no key type, the DATASEC as the value type.
    spec.btfKeyTypeId = 0;
    spec.btfValueTypeId = datasecId;
    spec.source.btfTypeId = datasecId;
    if (hasExposedVariable(btf, datasecId)) spec.flags |= MapFlag.MMAPABLE;
  }
  return spec;
}

// BTF_KIND_DATASEC, BTF_KIND_VAR and btf_var's BTF_VAR_STATIC linkage
const KIND_DATASEC = 15;
const KIND_VAR = 14;
const BTF_VAR_STATIC = 0;

/**
 * A DATASEC with a variable that a skeleton would expose: one not static (hidden ones are static
 * by now). Read from the type words (secinfo, then each VAR's linkage word), not decoded types.
 */
function hasExposedVariable(btf: Btf, datasecId: number): boolean {
  if (btf.kindNumberOf(datasecId) !== KIND_DATASEC) return false;
  const words = btf.typeHolder(datasecId).words;
  const at = btf.typeWordIndex(datasecId);
  const count = words[at + 1]! & 0xffff;
  for (let index = 0; index < count; index++) {
    const varId = words[at + 3 + index * 3]!;
    if (btf.kindNumberOf(varId) !== KIND_VAR) continue;
    const linkage = btf.typeHolder(varId).words[btf.typeWordIndex(varId) + 3]!;
    if (linkage !== BTF_VAR_STATIC) return true;
  }
  return false;
}

/** The collector of `.data`, `.rodata`, `.bss` and their `.name` variants. */
export const globalDataCollector: MapCollector = {
  format: 'global-data',
  claims: (section: SectionView) => isGlobalDataSection(section),
  collect(file: ObjectFileView, sections: readonly SectionView[], context: OpenContext): MapSpec[] {
    const btf = sections.some((s) => s.size > 0) ? objectBtf(file, context) : undefined;
    // a loop, not flatMap (about 300 ns a call on Node 20): an open runs this
    const specs: MapSpec[] = [];
    for (const section of sections) {
      const spec = readGlobalData(file, section, btf);
      if (!spec) continue;
      spec.kernelName = internalMapKernelName(context.objectName, section.name);
      specs.push(spec);
    }
    return specs;
  },
};
