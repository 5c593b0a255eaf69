import {
  type ErrorLocation,
  INSTRUCTION_SIZE as IMPORTED_INSTRUCTION_SIZE,
  LD_IMM64_CODE as IMPORTED_LD_IMM64_CODE,
  PseudoCall as IMPORTED_PseudoCall,
  SHF_EXECINSTR as IMPORTED_SHF_EXECINSTR,
  SHN_UNDEF as IMPORTED_SHN_UNDEF,
  STT_SECTION as IMPORTED_STT_SECTION,
  type InstructionReference,
  type InstructionStream,
  type ObjectFileView,
  RelocationError,
  type SymbolView,
  slotSrcReg,
  symbolAt,
} from '@bpfkit/core';
import type { CompilerQuirks } from './compiler-quirks.js';
import type { MapPlaces } from './map-places.js';

// The loops' imported constants as this module's own: V8 folds those, but reloads an import per read.
const INSTRUCTION_SIZE = IMPORTED_INSTRUCTION_SIZE;
const LD_IMM64_CODE = IMPORTED_LD_IMM64_CODE;
const PseudoCall = IMPORTED_PseudoCall;
const SHF_EXECINSTR = IMPORTED_SHF_EXECINSTR;
const SHN_UNDEF = IMPORTED_SHN_UNDEF;
const STT_SECTION = IMPORTED_STT_SECTION;

const CALL_CODE = 0x85; // BPF_JMP | BPF_CALL

/** A function's extent inside its section, used to find which function a relocation patches. */
export interface FunctionExtent {
  name: string;
  sectionIndex: number;
  /** byte offsets inside the section */
  start: number;
  end: number;
  /** the function's slots: a view of the section (its code bytes are scanned for local calls) */
  bytes: Uint8Array;
  /** a DataView the section lies in (shared by its functions), from byte `sectionBase` of it */
  sectionView: DataView;
  sectionBase: number;
  /** symbolic references by slot index (the stream's initial instruction identities): `stream`'s */
  references: Map<number, InstructionReference>;
  /** the function's stream, over `bytes` */
  stream: InstructionStream;
  /** STB_GLOBAL or STB_WEAK */
  global: boolean;
}

/** Finds the function that starts at a byte offset of a section (call and callback targets). */
export type FunctionAt = (sectionIndex: number, byteOffset: number) => FunctionExtent | undefined;

/** The fields of a relocated slot that decide what it becomes (struct bpf_insn's code, src_reg, imm). */
interface RelocatedSlot {
  code: number;
  src: number;
  imm: number;
}

/** Where a relocation is, for its errors. */
interface RelocationSite {
  file: ObjectFileView;
  section: string;
  byteOffset: number;
  fn: FunctionExtent;
  /** the symbol it names, once that is known to lie in the table */
  symbol: SymbolView | undefined;
}

/**
 * Turns the ELF relocations of one executable section into symbolic relocations on its functions,
 * following libbpf's bpf_program__record_reloc: calls and callbacks name their target function,
 * map symbols name their map, data-section symbols become map-value references with an offset.
 * Slots and symbols are read field by field, and error locations are made only for an error:
 * this runs for every relocation of every object.
 */
export function recordCodeRelocations(
  file: ObjectFileView,
  sectionIndex: number,
  functions: readonly FunctionExtent[],
  places: MapPlaces,
  functionAt: FunctionAt,
  quirks: CompilerQuirks,
): void {
  const section = file.sections[sectionIndex]!.name;
  const little = file.byteOrder === 'little';
  const slot: RelocatedSlot = { code: 0, src: 0, imm: 0 };
  for (const reloc of file.relocationsFor(sectionIndex)) {
    const byteOffset = Number(reloc.offset);
    const fn = functionContaining(functions, byteOffset);
    // libbpf's bpf_object__collect_prog_relos skips these: after static linking, the body of a
    // weak function that a strong one overrode stays in the section without a symbol.
    if (!fn) continue;
    const site: RelocationSite = { file, section, byteOffset, fn, symbol: undefined };
    if ((byteOffset - fn.start) % 8 !== 0) {
      throw new RelocationError('relocation points inside an instruction of a function', {
        location: siteLocation(site),
      });
    }
    const symbol = symbolAt(file, reloc.symbolIndex);
    if (!symbol) {
      throw new RelocationError(`relocation names symbol ${reloc.symbolIndex}, past the symbol table`, {
        location: siteLocation(site),
      });
    }
    site.symbol = symbol;
    const view = fn.sectionView;
    const at = fn.sectionBase + byteOffset;
    slot.code = view.getUint8(at);
    slot.src = slotSrcReg(view, at, little);
    slot.imm = view.getInt32(at + 4, little);
    fn.references.set((byteOffset - fn.start) / 8, classify(site, slot, places, functionAt, quirks));
  }
}

/** A relocation's location: with its symbol, function and instruction once they are known. */
function siteLocation(site: RelocationSite): ErrorLocation {
  const { file, section, byteOffset, fn, symbol } = site;
  const location: ErrorLocation = { object: file.name, section, byteOffset };
  if (symbol === undefined) return location;
  return {
    ...location,
    symbol: symbol.name,
    program: fn.name,
    instruction: (byteOffset - fn.start) / 8,
  };
}

/** The function whose bytes hold `byteOffset`; `functions` are in start order (binary search). */
function functionContaining(
  functions: readonly FunctionExtent[],
  byteOffset: number,
): FunctionExtent | undefined {
  let low = 0;
  let high = functions.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const fn = functions[mid]!;
    if (byteOffset < fn.start) high = mid - 1;
    else if (byteOffset >= fn.end) low = mid + 1;
    else return fn;
  }
  return undefined;
}

function classify(
  site: RelocationSite,
  insn: RelocatedSlot,
  places: MapPlaces,
  functionAt: FunctionAt,
  quirks: CompilerQuirks,
): InstructionReference {
  const sym = site.symbol!;
  const symbolSection = sym.sectionIndex;
  if (insn.code === CALL_CODE) {
    // A call to an undefined symbol is a kfunc: resolved against the kernel's BTF at load.
    if (symbolSection === SHN_UNDEF) return { kind: 'extern', name: sym.name, offset: 0 };
    if (insn.src !== PseudoCall.CALL) {
      throw new RelocationError(`call relocation on an instruction with src_reg ${insn.src}`, {
        location: siteLocation(site),
      });
    }
    // libbpf: target = st_value + (imm + 1) * 8; clang uses imm = -1 for function symbols.
    const target = functionAt(symbolSection, Number(sym.value) + (insn.imm + 1) * 8);
    if (!target) {
      throw new RelocationError('call target is not the start of a function', {
        location: siteLocation(site),
      });
    }
    return { kind: 'call', function: target.name };
  }
  if (insn.code !== LD_IMM64_CODE) {
    throw new RelocationError(
      `relocation on instruction code 0x${insn.code.toString(16)}, not a 64-bit load`,
      {
        location: siteLocation(site),
        hint: 'only ld_imm64 and call instructions can be relocated',
      },
    );
  }
  if (symbolSection === SHN_UNDEF) {
    return { kind: 'extern', name: sym.name, offset: insn.imm };
  }
  const targetSection = site.file.sections[symbolSection];
  if (targetSection && (targetSection.flags & SHF_EXECINSTR) !== 0n) {
    // A callback (bpf_loop, timers): the immediate is a byte offset from the symbol.
    const target = functionAt(symbolSection, Number(sym.value) + insn.imm);
    if (!target) {
      throw new RelocationError('callback target is not the start of a function', {
        location: siteLocation(site),
      });
    }
    return { kind: 'func-pointer', function: target.name };
  }
  const value = Number(sym.value);
  const isSection = sym.type === STT_SECTION;
  const definition = places.definitionAt(symbolSection, value);
  if (definition && !isSection) return { kind: 'map-fd', map: definition.name };
  const data = places.dataMap(symbolSection);
  if (data) {
    const symbolOffset = isSection || quirks.dataImmediateIncludesSymbolValue ? 0 : value;
    return { kind: 'map-value', map: data.name, offset: symbolOffset + insn.imm };
  }
  // No format claimed the section: keep the reference by section and offset, so a map supplied
  // between open and load can be its target (load fails, naming it, when none is).
  return {
    kind: 'map-fd',
    map: sym.name || `${targetSection?.name ?? symbolSection}+${value}`,
    definition: { sectionIndex: symbolSection, offset: value },
  };
}

/**
 * Calls to a function of the same section need no ELF relocation: clang writes the pc-relative
 * offset into the immediate (src_reg BPF_PSEUDO_CALL). They become symbolic calls too, as libbpf's
 * bpf_object__reloc_code finds them, so linking can lay functions out anew.
 */
export function recordLocalCalls(
  fn: FunctionExtent,
  functionAt: FunctionAt,
  object: string,
  section: string,
  little: boolean,
): void {
  // The scan reads one code byte a slot; a call slot's src_reg and imm are read where they lie
  // (most calls are helper calls, src_reg 0), with no slot decoded.
  const bytes = fn.bytes;
  const view = fn.sectionView;
  const base = fn.sectionBase + fn.start;
  for (let at = 0, end = bytes.byteLength; at < end; at += INSTRUCTION_SIZE) {
    if (bytes[at] !== CALL_CODE || slotSrcReg(view, base + at, little) !== PseudoCall.CALL) continue;
    const index = at / INSTRUCTION_SIZE;
    if (fn.references.has(index)) continue;
    const targetOffset = fn.start + at + (view.getInt32(base + at + 4, little) + 1) * 8;
    const target = functionAt(fn.sectionIndex, targetOffset);
    if (!target) {
      throw new RelocationError(
        `call to byte 0x${targetOffset.toString(16)} of its section, where no function starts`,
        {
          location: { object, section, program: fn.name, instruction: index },
        },
      );
    }
    fn.references.set(index, { kind: 'call', function: target.name });
  }
}
