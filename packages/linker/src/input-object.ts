import { type Btf, type BtfExt, parseBtf, parseBtfExt } from '@bpfkit/btf';
import {
  addContext,
  type SectionView,
  SHT_NOBITS,
  SHT_PROGBITS,
  SHT_REL,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
  UsageError,
} from '@bpfkit/core';
import { type ElfFile, readElf } from '@bpfkit/elf-reader';

/** One object to link: a name for messages and its bytes. */
export interface LinkInput {
  name: string;
  bytes: Uint8Array;
}

/** Where a global VAR or FUNC of an input is described in its BTF. */
export interface BtfDeclaration {
  /** id of the VAR or FUNC */
  id: number;
  /** the DATASEC that lists the VAR, if any (plain extern variables have none) */
  datasec: string | undefined;
  /** the VAR's size in that DATASEC (clang writes sizes, even of typeless `__ksym` externs) */
  size: number;
}

/** An input object read for linking: its ELF, BTF and BTF.ext, and its BTF's global names. */
export interface InputObject {
  name: string;
  file: ElfFile;
  btf: Btf;
  btfExt: BtfExt | undefined;
  /** non-static FUNCs by name */
  functions: Map<string, BtfDeclaration>;
  /** non-static VARs by name, with the DATASEC each sits in */
  variables: Map<string, BtfDeclaration>;
}

const ET_REL = 1;
const SHT_LLVM_ADDRSIG = 0x6fff4c03;

/** Reads one input and checks that it can be linked: a relocatable eBPF object with BTF. */
export function readInput(input: LinkInput): InputObject {
  const file = readElf(input.bytes, input.name);
  if (file.header.type !== ET_REL) {
    throw new UsageError(`${input.name} is not a relocatable object (e_type ${file.header.type})`, {
      location: { object: input.name, field: 'e_type' },
      hint: 'link the .o files clang -c produces',
    });
  }
  const btfSection = file.sectionByName('.BTF');
  if (!btfSection) {
    throw new UsageError(`${input.name} has no .BTF section`, {
      location: { object: input.name },
      hint: 'compile with -g: the linker needs BTF to check and merge global symbols, as libbpf does',
    });
  }
  let btf: Btf;
  let btfExt: BtfExt | undefined;
  try {
    btf = parseBtf(file.sectionData(btfSection.index));
    const ext = file.sectionByName('.BTF.ext');
    btfExt = ext ? parseBtfExt(file.sectionData(ext.index), btf) : undefined;
  } catch (error) {
    throw addContext(error, 'read BTF', { object: input.name });
  }
  const functions = new Map<string, BtfDeclaration>();
  const variables = new Map<string, BtfDeclaration>();
  for (const type of btf.types()) {
    if (type.kind === 'FUNC' && type.linkage !== 'static')
      functions.set(type.name, { id: type.id, datasec: undefined, size: 0 });
    if (type.kind === 'VAR' && type.linkage !== 'static' && !variables.has(type.name)) {
      variables.set(type.name, { id: type.id, datasec: undefined, size: 0 });
    }
    if (type.kind === 'DATASEC') {
      for (const info of type.vars) {
        const variable = btf.typeById(info.type);
        if (variable.kind === 'VAR' && variable.linkage !== 'static') {
          variables.set(variable.name, { id: info.type, datasec: type.name, size: info.size });
        }
      }
    }
  }
  return { name: input.name, file, btf, btfExt, functions, variables };
}

/**
 * Whether a section's contents are linked (merged by name into the output), as opposed to what the
 * linker rebuilds (symbols, strings, relocations, BTF) or drops (DWARF, address-significance
 * tables, an empty .text): libbpf's is_ignored_sec.
 */
export function isLinkedSection(section: SectionView): boolean {
  if (section.index === 0) return false;
  const { type, name } = section;
  if (type === SHT_SYMTAB || type === SHT_STRTAB || type === SHT_REL || type === SHT_RELA) return false;
  if (type === SHT_LLVM_ADDRSIG) return false;
  if (name === '.BTF' || name === '.BTF.ext' || name.startsWith('.debug_')) return false;
  if (name === '.text' && section.size === 0) return false;
  return type === SHT_PROGBITS || type === SHT_NOBITS;
}

/** Sections whose copies are kept once, and must then be equal in every object (libbpf does the same). */
export const DEDUPLICATED_SECTIONS = new Set(['license', 'version']);
