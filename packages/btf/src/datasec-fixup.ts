import { BtfError, pooledCopy } from '@bpfkit/core';
import { type Btf, repatchedBtf } from './btf.js';
import { BtfKindNumber } from './constants.js';

/** What the ELF file knows and BTF lacks, handed over as plain data (no ELF reader needed here). */
export interface DatasecLayout {
  /** size of the ELF section called `name`, undefined when there is none */
  sectionSize(name: string): number | undefined;
  /** st_value of the symbol for variable `varName` in section `section` */
  symbolOffset(section: string, varName: string): number | undefined;
  /** true when that symbol is STV_HIDDEN or STV_INTERNAL: libbpf then marks the VAR static */
  symbolHidden?(section: string, varName: string): boolean;
}

// btf_var linkage (BTF_VAR_STATIC, BTF_VAR_GLOBAL_ALLOCATED, BTF_VAR_GLOBAL_EXTERN)
const BTF_VAR_STATIC = 0;
const BTF_VAR_GLOBAL_EXTERN = 2;

/** Extern-backing sections: libbpf sets their layout itself and only sorts their variables. */
const EXTERN_SECTIONS = new Set(['.kconfig', '.ksyms']);

/**
 * libbpf's btf_fixup_datasec: clang leaves DATASEC sizes (and sometimes VAR offsets) zero, so
 * they are filled from the ELF section size and symbol values, hidden globals become static, and
 * each section's variables are sorted by offset. Static and extern variables are left alone, as
 * libbpf does. Returns a new Btf; the input is unchanged.
 */
export function fixupDatasecs(btf: Btf, layout: DatasecLayout): Btf {
  const patches: DatasecPatch[] = [];
  for (const id of btf.ownIdsOfKind(BtfKindNumber.DATASEC)) {
    const patch = planDatasec(btf, id, layout);
    if (patch) patches.push(patch);
  }
  if (patches.length === 0) return btf;
  // Patch a copy of the bytes in place, as libbpf does, rather than decoding and re-encoding
  // every type: only DATASEC sizes, secinfo order and offsets, and VAR linkage change.
  const bytes = pooledCopy(btf.bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = btf.byteOrder === 'little';
  for (const patch of patches) {
    const at = btf.recordOffset(patch.id);
    view.setUint32(at + 8, patch.size, little);
    patch.vars.forEach((info, index) => {
      const secinfo = at + 12 + index * 12;
      view.setUint32(secinfo, info.type, little);
      view.setUint32(secinfo + 4, info.offset, little);
      view.setUint32(secinfo + 8, info.size, little);
    });
    for (const varId of patch.hidden)
      view.setUint32(btf.recordOffset(varId) + 12, 0 /* BTF_VAR_STATIC */, little);
  }
  return repatchedBtf(btf, bytes);
}

interface DatasecPatch {
  id: number;
  size: number;
  vars: { type: number; offset: number; size: number }[];
  /** VARs whose symbol is hidden: libbpf makes them static */
  hidden: number[];
}

/**
 * What libbpf's btf_fixup_datasec would change in one DATASEC, or undefined when nothing. Reads
 * the DATASEC's secinfo and each VAR's linkage straight from the type words (an open runs this on
 * every object); only the names it looks up are decoded.
 */
function planDatasec(btf: Btf, id: number, layout: DatasecLayout): DatasecPatch | undefined {
  const words = btf.typeHolder(id).words;
  const at = btf.typeWordIndex(id);
  const section = btf.typeName(id);
  const count = words[at + 1]! & 0xffff;
  let changed = false;
  let size = words[at + 2]!;
  const vars = new Array<{ type: number; offset: number; size: number }>(count);
  for (let index = 0; index < count; index++) {
    const secinfo = at + 3 + index * 3;
    vars[index] = { type: words[secinfo]!, offset: words[secinfo + 1]!, size: words[secinfo + 2]! };
  }
  const hidden: number[] = [];
  if (!EXTERN_SECTIONS.has(section)) {
    const fixOffsets = size === 0;
    if (fixOffsets) {
      const sectionSize = layout.sectionSize(section);
      if (!sectionSize) {
        throw new BtfError(`cannot find the size of section ${section} for its DATASEC`, {
          location: { typeId: id, section, field: 'size' },
          hint: 'the ELF file has no such section, or it is empty',
        });
      }
      size = sectionSize;
      changed = true;
    }
    for (let index = 0; index < count; index++) {
      const info = vars[index]!;
      const varId = info.type;
      if (btf.kindNumberOf(varId) !== BtfKindNumber.VAR) {
        throw new BtfError(`DATASEC ${section} holds a ${btf.kindOf(varId)}, not a VAR`, {
          location: { typeId: id, section, field: `vars[${index}].type` },
        });
      }
      const linkage = btf.typeHolder(varId).words[btf.typeWordIndex(varId) + 3]!;
      if (linkage > BTF_VAR_GLOBAL_EXTERN) btf.typeById(varId); // throws: unknown linkage
      if (linkage === BTF_VAR_STATIC || linkage === BTF_VAR_GLOBAL_EXTERN) continue;
      const name = btf.typeName(varId);
      const offset = layout.symbolOffset(section, name);
      if (offset === undefined) {
        throw new BtfError(`no ELF symbol for variable ${name}`, {
          location: { typeId: varId, section, symbol: name },
        });
      }
      if (fixOffsets && info.offset !== offset) {
        info.offset = offset;
        changed = true;
      }
      if (layout.symbolHidden?.(section, name)) {
        hidden.push(varId);
        changed = true;
      }
    }
  }
  let sorted = vars;
  for (let index = 1; index < count; index++) {
    if (vars[index - 1]!.offset > vars[index]!.offset) {
      sorted = [...vars].sort((a, b) => a.offset - b.offset);
      changed = true;
      break;
    }
  }
  return changed ? { id, size, vars: sorted, hidden } : undefined;
}
