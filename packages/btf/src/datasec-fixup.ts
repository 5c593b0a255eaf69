import { BtfError, bufferView, pooledCopy } from '@bpfkit/core';
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
  // Patch a copy of the bytes in place, as libbpf does, rather than decoding and re-encoding
  // every type: only DATASEC sizes, secinfo order and offsets, and VAR linkage change. The copy is
  // made at the first DATASEC that changes, and each is patched as soon as it is planned.
  let bytes: Uint8Array | undefined;
  let view: DataView | undefined;
  // where the copy starts in `view`, a kept view of its whole (pooled) buffer
  let base = 0;
  const little = btf.byteOrder === 'little';
  for (const id of btf.ownIdsOfKind(BtfKindNumber.DATASEC)) {
    const patch = planDatasec(btf, id, layout);
    if (patch === undefined) continue;
    if (view === undefined) {
      bytes = pooledCopy(btf.bytes);
      view = bufferView(bytes.buffer);
      base = bytes.byteOffset;
    }
    const at = base + btf.recordOffset(id);
    view.setUint32(at + 8, patch.size, little);
    const { secinfo } = patch;
    for (let word = 0; word < secinfo.length; word++)
      view.setUint32(at + 12 + word * 4, secinfo[word]!, little);
    for (const varId of patch.hidden)
      view.setUint32(base + btf.recordOffset(varId) + 12, BTF_VAR_STATIC, little);
  }
  return bytes === undefined ? btf : repatchedBtf(btf, bytes);
}

interface DatasecPatch {
  size: number;
  /** btf_var_secinfo words (type, offset, size per variable), in the order they are written */
  secinfo: number[];
  /** VARs whose symbol is hidden: libbpf makes them static */
  hidden: number[];
}

/**
 * What libbpf's btf_fixup_datasec would change in one DATASEC, or undefined when nothing. Reads
 * the DATASEC's secinfo and each VAR's linkage straight from the type words, into flat lists (an
 * open runs this on every object); only the names it looks up are decoded.
 */
function planDatasec(btf: Btf, id: number, layout: DatasecLayout): DatasecPatch | undefined {
  const words = btf.typeHolder(id).words;
  const at = btf.typeWordIndex(id);
  const section = btf.typeName(id);
  const count = words[at + 1]! & 0xffff;
  let changed = false;
  let size = words[at + 2]!;
  const secinfo = new Array<number>(count * 3);
  for (let word = 0; word < count * 3; word++) secinfo[word] = words[at + 3 + word]!;
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
      const varId = secinfo[index * 3]!;
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
      if (fixOffsets && secinfo[index * 3 + 1] !== offset) {
        secinfo[index * 3 + 1] = offset;
        changed = true;
      }
      if (layout.symbolHidden?.(section, name)) {
        hidden.push(varId);
        changed = true;
      }
    }
  }
  for (let index = 1; index < count; index++) {
    if (secinfo[index * 3 - 2]! > secinfo[index * 3 + 1]!) {
      sortByOffset(secinfo, count);
      changed = true;
      break;
    }
  }
  return changed ? { size, secinfo, hidden } : undefined;
}

/** Reorders the secinfo triples by offset; equal offsets keep their order (a stable sort, as before). */
function sortByOffset(secinfo: number[], count: number): void {
  const order = Array.from({ length: count }, (_, index) => index);
  order.sort((a, b) => secinfo[a * 3 + 1]! - secinfo[b * 3 + 1]!);
  const copy = secinfo.slice();
  order.forEach((from, to) => {
    secinfo[to * 3] = copy[from * 3]!;
    secinfo[to * 3 + 1] = copy[from * 3 + 1]!;
    secinfo[to * 3 + 2] = copy[from * 3 + 2]!;
  });
}
