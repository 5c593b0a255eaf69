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
function isExternSection(name: string): boolean {
  return name === '.kconfig' || name === '.ksyms';
}

/**
 * libbpf's btf_fixup_datasec: clang leaves DATASEC sizes (and sometimes VAR offsets) zero, so
 * they are filled from the ELF section size and symbol values, hidden globals become static, and
 * each section's variables are sorted by offset. Static and extern variables are left alone, as
 * libbpf does. Returns a new Btf; the input is unchanged.
 */
export function fixupDatasecs(btf: Btf, layout: DatasecLayout): Btf {
  // Patch a copy of the bytes in place, as libbpf does, rather than decoding and re-encoding
  // every type: only DATASEC sizes, secinfo order and offsets, and VAR linkage change. Each
  // DATASEC is read from the type words and written to the copy as it is walked, with no list
  // or plan object between (an open fixes up four or five of them); the copy is made at the
  // first field that changes.
  const patch: BytePatch = { btf, bytes: undefined, view: undefined, base: 0 };
  for (const id of btf.ownIdsOfKind(BtfKindNumber.DATASEC)) fixupDatasec(patch, id, layout);
  return patch.bytes === undefined ? btf : repatchedBtf(btf, patch.bytes);
}

/** The copy of a Btf's bytes that fix-ups write into, made on the first write. */
interface BytePatch {
  readonly btf: Btf;
  bytes: Uint8Array | undefined;
  /** a kept view of the copy's whole (pooled) buffer, the copy starting at byte `base` */
  view: DataView | undefined;
  base: number;
}

/** Writes the u32 at byte `at` of the BTF's type section in the copy, making the copy first. */
function patchWord(patch: BytePatch, at: number, value: number): void {
  if (patch.view === undefined) {
    patch.bytes = pooledCopy(patch.btf.bytes);
    patch.view = bufferView(patch.bytes.buffer);
    patch.base = patch.bytes.byteOffset + patch.btf.header.typeStart;
  }
  patch.view.setUint32(patch.base + at, value, patch.btf.byteOrder === 'little');
}

/**
 * What libbpf's btf_fixup_datasec changes in one DATASEC, written into the copy: its size, each
 * non-static, non-extern VAR's offset (when the size was zero) and linkage (hidden symbols), and
 * the order of its secinfo. Only the names it looks up are decoded.
 */
function fixupDatasec(patch: BytePatch, id: number, layout: DatasecLayout): void {
  const btf = patch.btf;
  // own DATASECs only: their records are in btf.words, which start at the type section
  const words = btf.words;
  const at = btf.typeWordIndex(id);
  const section = btf.typeName(id);
  const count = words[at + 1]! & 0xffff;
  // btf_var_secinfo { type, offset, size } follows the btf_type's three words
  const secinfo = at + 3;
  let sorted = true;
  if (isExternSection(section)) {
    for (let index = 1; index < count && sorted; index++)
      sorted = words[secinfo + index * 3 - 2]! <= words[secinfo + index * 3 + 1]!;
  } else {
    const fixOffsets = words[at + 2] === 0;
    if (fixOffsets) {
      const sectionSize = layout.sectionSize(section);
      if (!sectionSize) {
        throw new BtfError(`cannot find the size of section ${section} for its DATASEC`, {
          location: { typeId: id, section, field: 'size' },
          hint: 'the ELF file has no such section, or it is empty',
        });
      }
      patchWord(patch, (at + 2) * 4, sectionSize);
    }
    let previous = 0;
    for (let index = 0; index < count; index++) {
      const entry = secinfo + index * 3;
      const varId = words[entry]!;
      let offset = words[entry + 1]!;
      if (btf.kindNumberOf(varId) !== BtfKindNumber.VAR) {
        throw new BtfError(`DATASEC ${section} holds a ${btf.kindOf(varId)}, not a VAR`, {
          location: { typeId: id, section, field: `vars[${index}].type` },
        });
      }
      const varAt = btf.typeWordIndex(varId);
      const linkage = btf.typeHolder(varId).words[varAt + 3]!;
      if (linkage > BTF_VAR_GLOBAL_EXTERN) btf.typeById(varId); // throws: unknown linkage
      if (linkage !== BTF_VAR_STATIC && linkage !== BTF_VAR_GLOBAL_EXTERN) {
        const name = btf.typeName(varId);
        const symbolOffset = layout.symbolOffset(section, name);
        if (symbolOffset === undefined) {
          throw new BtfError(`no ELF symbol for variable ${name}`, {
            location: { typeId: varId, section, symbol: name },
          });
        }
        if (fixOffsets && offset !== symbolOffset) {
          offset = symbolOffset;
          patchWord(patch, (entry + 1) * 4, offset);
        }
        // a VAR of a base BTF is not this one's to patch (btf.recordOffset refuses it)
        if (layout.symbolHidden?.(section, name)) {
          patchWord(patch, btf.recordOffset(varId) + 12 - btf.header.typeStart, BTF_VAR_STATIC);
        }
      }
      if (index > 0 && previous > offset) sorted = false;
      previous = offset;
    }
  }
  if (!sorted) sortByOffset(patch, secinfo, count);
}

/**
 * Reorders a DATASEC's secinfo triples by their offsets (as patched); equal offsets keep their
 * order (a stable sort). Clang writes a `.maps` DATASEC in declaration order and its symbols in
 * another, so an open sorts a few entries: an insertion sort over the patched words, with no
 * array per entry.
 */
function sortByOffset(patch: BytePatch, secinfo: number, count: number): void {
  const words = patch.btf.words;
  const little = patch.btf.byteOrder === 'little';
  // the patched offsets where a patch made the copy, else the words as parsed
  const offsetAt = (index: number) =>
    patch.view
      ? patch.view.getUint32(patch.base + (secinfo + index * 3 + 1) * 4, little)
      : words[secinfo + index * 3 + 1]!;
  // plain arrays: a typed array costs a builtin call to make, and a DATASEC holds a few entries
  const order: number[] = [];
  const offsets: number[] = [];
  for (let index = 0; index < count; index++) {
    offsets.push(offsetAt(index));
    order.push(index);
    let at = index;
    while (at > 0 && offsets[order[at - 1]!]! > offsets[index]!) {
      order[at] = order[at - 1]!;
      at--;
    }
    order[at] = index;
  }
  // each triple as it stands before any is moved: types and sizes from the words, offsets sorted
  const types = order.map((from) => words[secinfo + from * 3]!);
  const sizes = order.map((from) => words[secinfo + from * 3 + 2]!);
  for (let index = 0; index < count; index++) {
    const entry = secinfo + index * 3;
    patchWord(patch, entry * 4, types[index]!);
    patchWord(patch, (entry + 1) * 4, offsets[order[index]!]!);
    patchWord(patch, (entry + 2) * 4, sizes[index]!);
  }
}
