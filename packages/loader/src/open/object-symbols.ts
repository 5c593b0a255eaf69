import {
  type MapSpec,
  type ObjectFileView,
  type ObjectSymbol,
  SHN_UNDEF,
  STB_GLOBAL,
  STB_WEAK,
  STT_FUNC,
  STT_OBJECT,
} from '@bpfkit/core';

// ELF st_other visibility values (elf.h): libbpf treats both as hidden.
const STV_INTERNAL = 1;
const STV_HIDDEN = 2;

/**
 * The object's defined global and weak symbols as the spec keeps them (ObjectSpec.symbols), so a
 * spec can be linked with others after open: functions by name, variables by the data map and
 * offset they lie at, map definitions by the map they became. Symbols of sections no stage turned
 * into code or maps are left out: nothing in the spec could refer to them.
 */
export function objectSymbols(
  file: ObjectFileView,
  maps: readonly MapSpec[],
  functionNames: ReadonlySet<string>,
): ObjectSymbol[] {
  const symbols: ObjectSymbol[] = [];
  for (const symbol of file.symbols) {
    if (symbol.bind !== STB_GLOBAL && symbol.bind !== STB_WEAK) continue;
    if (symbol.sectionIndex === SHN_UNDEF || symbol.name === '') continue;
    const base = {
      name: symbol.name,
      weak: symbol.bind === STB_WEAK,
      hidden: symbol.visibility === STV_HIDDEN || symbol.visibility === STV_INTERNAL,
    };
    if (symbol.type === STT_FUNC) {
      if (functionNames.has(symbol.name)) symbols.push({ ...base, kind: 'function' });
      continue;
    }
    if (symbol.type !== STT_OBJECT) continue;
    const offset = Number(symbol.value);
    const inSection = maps.filter((m) => m.source.sectionIndex === symbol.sectionIndex);
    const data = inSection.find((m) => m.kind === 'data');
    if (data) {
      symbols.push({ ...base, kind: 'variable', map: data.name, offset, size: Number(symbol.size) });
      continue;
    }
    const map = inSection.find((m) => m.source.offset === offset && m.kind !== 'data');
    if (map) symbols.push({ ...base, name: map.name, kind: 'map' });
  }
  return symbols;
}
