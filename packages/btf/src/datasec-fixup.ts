import { BtfError } from '@bpfkit/core';
import type { Btf } from './btf.js';
import { BtfBuilder } from './builder.js';

/** What the ELF file knows and BTF lacks, handed over as plain data (no ELF reader needed here). */
export interface DatasecLayout {
  /** size of the ELF section called `name`, undefined when there is none */
  sectionSize(name: string): number | undefined;
  /** st_value of the symbol for variable `varName` in section `section` */
  symbolOffset(section: string, varName: string): number | undefined;
  /** true when that symbol is STV_HIDDEN or STV_INTERNAL: libbpf then marks the VAR static */
  symbolHidden?(section: string, varName: string): boolean;
}

/** Extern-backing sections: libbpf sets their layout itself and only sorts their variables. */
const EXTERN_SECTIONS = new Set(['.kconfig', '.ksyms']);

/**
 * libbpf's btf_fixup_datasec: clang leaves DATASEC sizes (and sometimes VAR offsets) zero, so
 * they are filled from the ELF section size and symbol values, hidden globals become static, and
 * each section's variables are sorted by offset. Static and extern variables are left alone, as
 * libbpf does. Returns a new Btf; the input is unchanged.
 */
export function fixupDatasecs(btf: Btf, layout: DatasecLayout): Btf {
  const builder = BtfBuilder.from(btf);
  let changed = false;
  for (const [id, type] of builder.entries()) {
    if (type.kind !== 'DATASEC') continue;
    const section = type.name;
    if (!EXTERN_SECTIONS.has(section)) {
      let fixOffsets = false;
      if (type.size === 0) {
        const size = layout.sectionSize(section);
        if (!size) {
          throw new BtfError(`cannot find the size of section ${section} for its DATASEC`, {
            location: { typeId: id, section, field: 'size' },
            hint: 'the ELF file has no such section, or it is empty',
          });
        }
        type.size = size;
        fixOffsets = true;
        changed = true;
      }
      type.vars.forEach((info, index) => {
        const variable = builder.type(info.type);
        if (variable.kind !== 'VAR') {
          throw new BtfError(`DATASEC ${section} holds a ${variable.kind}, not a VAR`, {
            location: { typeId: id, section, field: `vars[${index}].type` },
          });
        }
        if (variable.linkage === 'static' || variable.linkage === 'extern') return;
        const offset = layout.symbolOffset(section, variable.name);
        if (offset === undefined) {
          throw new BtfError(`no ELF symbol for variable ${variable.name}`, {
            location: { typeId: info.type, section, symbol: variable.name },
          });
        }
        if (fixOffsets && info.offset !== offset) {
          info.offset = offset;
          changed = true;
        }
        if (layout.symbolHidden?.(section, variable.name)) {
          variable.linkage = 'static';
          changed = true;
        }
      });
    }
    const sorted = [...type.vars].sort((a, b) => a.offset - b.offset);
    if (sorted.some((info, index) => info !== type.vars[index])) {
      type.vars = sorted;
      changed = true;
    }
  }
  return changed ? builder.build() : btf;
}
