import {
  SHN_UNDEF,
  STB_GLOBAL,
  STB_LOCAL,
  STB_WEAK,
  STT_FUNC,
  STT_NOTYPE,
  STT_OBJECT,
  STT_SECTION,
  type SymbolView,
  UsageError,
} from '@bpfkit/core';
import { mapDefinitionMismatch, typeMismatch } from './btf-compat.js';
import type { BtfDeclaration, InputObject } from './input-object.js';
import { SymbolConflictError } from './link-error.js';
import type { OutputSectionPlan, SectionLayout } from './section-layout.js';

const STT_FILE = 4;
/** st_shndx values from here up are reserved (SHN_ABS, SHN_COMMON, ...) */
const SHN_LORESERVE = 0xff00;
const STV_DEFAULT = 0;
const STV_HIDDEN = 2;

/** A symbol of the output object. `section` undefined is SHN_UNDEF (an unresolved extern). */
export interface LinkedSymbol {
  name: string;
  value: bigint;
  size: bigint;
  type: number;
  bind: number;
  visibility: number;
  section: OutputSectionPlan | undefined;
}

/** One input's declaration of a global: the object and its BTF description. */
export interface Declaration {
  object: InputObject;
  btf: BtfDeclaration | undefined;
}

/** A global symbol as resolved across the inputs. */
export interface GlobalSymbol {
  symbol: LinkedSymbol;
  /** no input defines it (yet) */
  isExtern: boolean;
  isWeak: boolean;
  /** the first declaration, which later ones are checked against */
  first: Declaration;
  /** the declaration that won (the strong or first weak definition, else the first extern) */
  winner: Declaration;
}

export interface SymbolPlan {
  /** one STT_SECTION symbol per output section */
  sectionSymbols: LinkedSymbol[];
  /** local functions and variables, each input's kept apart */
  locals: LinkedSymbol[];
  /** globals by name, in order of first appearance */
  globals: Map<string, GlobalSymbol>;
  /** per input: its symbol index -> the output symbol it became (undefined for FILE symbols) */
  symbolMaps: (LinkedSymbol | undefined)[][];
  /** bodies of overridden weak definitions: no symbol reaches them any more */
  overridden: OverriddenRange[];
}

/** Bytes [start, end) of an output section that hold a weak definition another one replaced. */
export interface OverriddenRange {
  section: OutputSectionPlan;
  start: number;
  end: number;
}

/** Whether an offset of an output section lies in the body of an overridden weak definition. */
export function isOverridden(
  ranges: readonly OverriddenRange[],
  section: OutputSectionPlan,
  offset: number,
): boolean {
  return ranges.some((range) => range.section === section && offset >= range.start && offset < range.end);
}

/**
 * Resolves every input's symbols into the output symbol table, by libbpf's rules
 * (linker_append_elf_sym): locals are kept per object; a global's strong definition beats weak
 * ones, the first weak one beats later weak ones, two strong ones conflict; externs bind to the
 * definition; STB_GLOBAL and STV_HIDDEN spread to the merged symbol from any declaration, extern
 * or losing weak. Every later declaration's BTF type must match the first's.
 */
export function resolveSymbols(objects: readonly InputObject[], layout: SectionLayout): SymbolPlan {
  const sectionSymbols = layout.sections.map(
    (section): LinkedSymbol => ({
      name: '',
      value: 0n,
      size: 0n,
      type: STT_SECTION,
      bind: STB_LOCAL,
      visibility: STV_DEFAULT,
      section,
    }),
  );
  const locals: LinkedSymbol[] = [];
  const globals = new Map<string, GlobalSymbol>();
  const overridden: OverriddenRange[] = [];
  const symbolMaps = objects.map((object, n) => {
    const placements = layout.placements[n]!;
    return object.file.symbols.map((symbol): LinkedSymbol | undefined => {
      if (symbol.index === 0 || symbol.type === STT_FILE) return undefined;
      const where = { object: object.name, symbol: symbol.name || `#${symbol.index}` };
      const defined = symbol.sectionIndex !== SHN_UNDEF;
      if (defined && symbol.sectionIndex >= SHN_LORESERVE) {
        throw new UsageError(
          `symbol ${where.symbol} has the reserved section index 0x${symbol.sectionIndex.toString(16)}`,
          {
            location: where,
            hint: 'BPF objects have no absolute or common symbols other than FILE',
          },
        );
      }
      const piece = defined ? placements.get(symbol.sectionIndex) : undefined;
      if (defined && !piece) {
        // symbols in dropped sections (DWARF) are not kept; nothing relocates against them
        return undefined;
      }
      if (symbol.type === STT_SECTION) return sectionSymbols[piece!.output.index - 1];
      const value = piece ? symbol.value + BigInt(piece.offset) : 0n;
      if (symbol.bind === STB_LOCAL) {
        if (!piece) return undefined;
        const local: LinkedSymbol = { ...outputFields(symbol), value, section: piece.output };
        locals.push(local);
        return local;
      }
      if (symbol.bind !== STB_GLOBAL && symbol.bind !== STB_WEAK) {
        throw new UsageError(`symbol ${where.symbol} has binding ${symbol.bind}`, {
          location: where,
          hint: 'only local, global and weak symbols can be linked',
        });
      }
      const declaration: Declaration = { object, btf: btfDeclarationOf(object, symbol) };
      const known = globals.get(symbol.name);
      if (!known) {
        const linked: LinkedSymbol = { ...outputFields(symbol), value, section: piece?.output };
        globals.set(symbol.name, {
          symbol: linked,
          isExtern: !defined,
          isWeak: symbol.bind === STB_WEAK,
          first: declaration,
          winner: declaration,
        });
        return linked;
      }
      // A deduplicated section (license) holds the same symbol as the copy that was kept.
      if (piece?.deduplicated) return known.symbol;
      mergeGlobal(known, symbol, declaration, value, piece?.output, overridden);
      return known.symbol;
    });
  });
  return { sectionSymbols, locals, globals, symbolMaps, overridden };
}

function mergeGlobal(
  known: GlobalSymbol,
  symbol: SymbolView,
  declaration: Declaration,
  value: bigint,
  section: OutputSectionPlan | undefined,
  overridden: OverriddenRange[],
): void {
  const isExtern = section === undefined;
  const objects = [known.winner.object.name, declaration.object.name] as const;
  if (!isExtern && !known.isExtern && !known.isWeak && symbol.bind !== STB_WEAK) {
    throw new SymbolConflictError(
      symbol.name,
      objects,
      `symbol ${symbol.name} is defined in both ${objects[0]} and ${objects[1]}`,
      { hint: 'make one definition __weak, or static if each object should keep its own' },
    );
  }
  checkTypes(known, declaration, symbol.name);
  const linked = known.symbol;
  if (symbol.bind === STB_GLOBAL) {
    linked.bind = STB_GLOBAL;
    known.isWeak = false;
  }
  // hidden visibility "contaminates" the merged symbol whoever declares it (libbpf)
  if (symbol.visibility === STV_HIDDEN) linked.visibility = STV_HIDDEN;
  if (isExtern) return;
  // a weak definition loses to any earlier definition
  if (!known.isExtern && symbol.bind === STB_WEAK) {
    overridden.push({ section, start: Number(value), end: Number(value + symbol.size) });
    return;
  }
  if (!known.isExtern && linked.section) {
    overridden.push({
      section: linked.section,
      start: Number(linked.value),
      end: Number(linked.value + linked.size),
    });
  }
  linked.type = symbol.type;
  linked.section = section;
  linked.value = value;
  linked.size = symbol.size;
  known.isExtern = false;
  known.winner = declaration;
}

/** The ELF fields a linked symbol keeps from its input. */
function outputFields(symbol: SymbolView): Omit<LinkedSymbol, 'value' | 'section'> {
  return {
    name: symbol.name,
    size: symbol.size,
    type: symbol.type,
    bind: symbol.bind,
    visibility: symbol.visibility,
  };
}

/** The FUNC or VAR that describes a global symbol in its object's BTF. */
function btfDeclarationOf(object: InputObject, symbol: SymbolView): BtfDeclaration | undefined {
  if (symbol.type === STT_FUNC) return object.functions.get(symbol.name);
  if (symbol.type === STT_OBJECT) return object.variables.get(symbol.name);
  if (symbol.type === STT_NOTYPE)
    return object.functions.get(symbol.name) ?? object.variables.get(symbol.name);
  return undefined;
}

/**
 * libbpf's glob_syms_match: matching types (exact for structs), except that `.maps` entries compare
 * their map attributes, which may be declared in any order.
 */
function checkTypes(known: GlobalSymbol, declaration: Declaration, name: string): void {
  const first = known.first;
  if (!first.btf || !declaration.btf) return;
  const a = { btf: first.object.btf, id: first.btf.id };
  const b = { btf: declaration.object.btf, id: declaration.btf.id };
  const objects = [first.object.name, declaration.object.name] as const;
  const describe = (ref: typeof a) =>
    `${ref.btf.kindOf(ref.id) === 'FUNC' ? 'function' : 'variable'} ${ref.btf.formatType(ref.btf.sizeOrTypeOf(ref.id))}`;
  const isMap = first.btf.datasec === '.maps' || declaration.btf.datasec === '.maps';
  const reason = isMap
    ? a.btf.kindOf(a.id) !== b.btf.kindOf(b.id)
      ? `kinds differ: ${a.btf.kindOf(a.id)} and ${b.btf.kindOf(b.id)}`
      : mapDefinitionMismatch(
          { btf: a.btf, id: a.btf.sizeOrTypeOf(a.id) },
          { btf: b.btf, id: b.btf.sizeOrTypeOf(b.id) },
        )
    : typeMismatch(a, b);
  if (reason) {
    throw new SymbolConflictError(
      name,
      objects,
      `global ${name}: ${objects[0]} declares it as ${describe(a)} but ${objects[1]} as ${describe(b)} (${reason})`,
      { hint: 'declare the symbol with the same type in every object' },
    );
  }
}
