import {
  addContext,
  artifactKey,
  type ObjectFileView,
  type OpenContext,
  pooledCopy,
  STB_GLOBAL,
  STB_LOCAL,
  STB_WEAK,
  STT_FUNC,
  STT_OBJECT,
  type SymbolView,
  symbolFieldsOf,
  symbolsOfType,
} from '@bpfkit/core';
import { ObjectBtfArtifact } from './artifacts.js';
import { type Btf, parseBtf } from './btf.js';
import { type DatasecLayout, fixupDatasecs } from './datasec-fixup.js';
import { makeHiddenFunctionsStatic } from './hidden-functions.js';

// ELF st_other visibility values (elf.h): libbpf treats both as "hidden".
const STV_INTERNAL = 1;
const STV_HIDDEN = 2;

/**
 * The Btf objectBtf fixed up in this open, so every stage shares one pass; and the bytes the
 * fix-ups copied to patch, which no file or caller shares. Kept with the open's artifacts (a
 * WeakSet add per open cost more, in ephemeron bookkeeping, than the lookups it saved).
 */
const FixedObjectBtf = artifactKey<Btf>('object BTF, fixed up');
const PatchedBtfBytes = artifactKey<Uint8Array>('object BTF bytes the fix-ups copied');

/**
 * The object's `.BTF` as clang wrote it, parsed once per open and shared through the
 * ObjectBtfArtifact. Enough for a format that finds types by name (BCC's tables); a stage that
 * needs DATASEC offsets calls objectBtf, which fixes the same parse up. Undefined without `.BTF`.
 */
export function parsedObjectBtf(
  file: ObjectFileView,
  context: Pick<OpenContext, 'artifacts'>,
): Btf | undefined {
  const shared = context.artifacts.get(ObjectBtfArtifact);
  if (shared) return shared;
  const section = file.sections.find((s) => s.name === '.BTF');
  if (!section) return undefined;
  let btf: Btf;
  try {
    btf = parseBtf(file.sectionData(section.index));
  } catch (error) {
    throw addContext(error, 'parse .BTF', { object: file.name, section: '.BTF' });
  }
  context.artifacts.set(ObjectBtfArtifact, btf);
  return btf;
}

/**
 * The object's `.BTF` with DATASEC sizes and offsets filled in from the ELF file (libbpf's
 * bpf_object_fixup_btf runs before any map is read) and hidden global subprograms made static
 * (libbpf's mark_btf_static, done there just before BTF_LOAD; here with the other symbol-driven
 * fixups, so every later stage sees the BTF the kernel will). Parsed and fixed once per open: the
 * result replaces the parse in the ObjectBtfArtifact, so every stage after sees the same instance.
 */
export function objectBtf(file: ObjectFileView, context: Pick<OpenContext, 'artifacts'>): Btf | undefined {
  const parsed = parsedObjectBtf(file, context);
  if (!parsed || parsed === context.artifacts.get(FixedObjectBtf)) return parsed;
  let btf: Btf;
  try {
    btf = fixupDatasecs(parsed, datasecLayout(file));
  } catch (error) {
    throw addContext(error, 'fix up DATASECs', { object: file.name });
  }
  btf = makeHiddenFunctionsStatic(btf, hiddenSubprograms(file));
  context.artifacts.set(FixedObjectBtf, btf);
  if (btf !== parsed) context.artifacts.set(PatchedBtfBytes, btf.bytes);
  context.artifacts.set(ObjectBtfArtifact, btf);
  return btf;
}

/**
 * The bytes an ObjectSpec keeps as its `btf`: the patched copy itself when the fixups made one
 * (copying it again cost an allocation per open), the section as it is when the caller owns the
 * file's bytes (`ownsFileBytes`: nobody else sees them), else a copy, so that editing the spec
 * never writes into bytes a caller handed in. Takes what objectBtf returned for the same context.
 */
export function objectBtfSpecBytes(
  btf: Btf,
  context: Pick<OpenContext, 'artifacts'>,
  ownsFileBytes = false,
): Uint8Array {
  const copied = context.artifacts.get(PatchedBtfBytes) === btf.bytes;
  return ownsFileBytes || copied ? btf.bytes : pooledCopy(btf.bytes);
}

/**
 * Names of the global or weak functions in `.text` whose symbol is STV_HIDDEN or STV_INTERNAL: the
 * subprograms libbpf's bpf_object__add_programs marks with mark_btf_static.
 */
export function hiddenSubprograms(file: ObjectFileView): Set<string> {
  const text = file.sections.find((s) => s.name === '.text')?.index;
  const names = new Set<string>();
  if (text === undefined) return names;
  const symbols = symbolFieldsOf(file);
  for (const index of symbolsOfType(symbols, STT_FUNC)) {
    if (symbols.bind(index) === STB_LOCAL) continue;
    if (symbols.sectionIndex(index) !== text) continue;
    const visibility = symbols.visibility(index);
    if (visibility === STV_HIDDEN || visibility === STV_INTERNAL) names.add(symbols.symbol(index).name);
  }
  return names;
}

/**
 * What fixupDatasecs needs from the ELF file. A variable's symbol is found as libbpf's
 * find_elf_var_sym finds it: a global or weak STT_OBJECT of that name, in any section.
 */
export function datasecLayout(file: ObjectFileView): DatasecLayout {
  // One pass over the symbols, not one search per variable.
  const variables = new Map<string, SymbolView>();
  const symbols = symbolFieldsOf(file);
  for (const index of symbolsOfType(symbols, STT_OBJECT)) {
    const bind = symbols.bind(index);
    if (bind !== STB_GLOBAL && bind !== STB_WEAK) continue;
    const s = symbols.symbol(index);
    if (!variables.has(s.name)) variables.set(s.name, s);
  }
  const variable = (name: string): SymbolView | undefined => variables.get(name);
  return {
    sectionSize: (name) => file.sections.find((s) => s.name === name)?.size,
    symbolOffset: (_section, name) => {
      const symbol = variable(name);
      return symbol === undefined ? undefined : Number(symbol.value);
    },
    symbolHidden: (_section, name) => {
      const visibility = variable(name)?.visibility;
      return visibility === STV_HIDDEN || visibility === STV_INTERNAL;
    },
  };
}
