import {
  SHN_UNDEF as IMPORTED_SHN_UNDEF,
  STB_GLOBAL as IMPORTED_STB_GLOBAL,
  STB_WEAK as IMPORTED_STB_WEAK,
  STT_FUNC as IMPORTED_STT_FUNC,
  STT_OBJECT as IMPORTED_STT_OBJECT,
  type MapSpec,
  type ObjectFileView,
  type ObjectSymbol,
  symbolFieldsOf,
  symbolsOfType,
} from '@bpfkit/core';
import { indexMapPlaces } from './map-places.js';

// The loops' imported constants as this module's own: V8 folds those, but reloads an import per read.
const SHN_UNDEF = IMPORTED_SHN_UNDEF;
const STB_GLOBAL = IMPORTED_STB_GLOBAL;
const STB_WEAK = IMPORTED_STB_WEAK;
const STT_FUNC = IMPORTED_STT_FUNC;
const STT_OBJECT = IMPORTED_STT_OBJECT;

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
  const places = indexMapPlaces(maps);
  const fields = symbolFieldsOf(file);
  // functions and variables only, merged back into symbol-table order
  const functions = symbolsOfType(fields, STT_FUNC);
  const variables = symbolsOfType(fields, STT_OBJECT);
  for (let f = 0, v = 0; f < functions.length || v < variables.length; ) {
    const index =
      v === variables.length || (f < functions.length && functions[f]! < variables[v]!)
        ? functions[f++]!
        : variables[v++]!;
    const bind = fields.bind(index);
    if (bind !== STB_GLOBAL && bind !== STB_WEAK) continue;
    if (fields.sectionIndex(index) === SHN_UNDEF) continue;
    const symbol = fields.symbol(index);
    if (symbol.name === '') continue;
    // Object literals written out, not spread from a shared base: a spread costs about a
    // microsecond here, and an open makes one entry per global symbol.
    const weak = symbol.bind === STB_WEAK;
    const hidden = symbol.visibility === STV_HIDDEN || symbol.visibility === STV_INTERNAL;
    if (symbol.type === STT_FUNC) {
      if (functionNames.has(symbol.name)) symbols.push({ name: symbol.name, kind: 'function', weak, hidden });
      continue;
    }
    if (symbol.type !== STT_OBJECT) continue;
    const offset = Number(symbol.value);
    const data = places.dataMap(symbol.sectionIndex);
    if (data) {
      const size = Number(symbol.size);
      symbols.push({ name: symbol.name, kind: 'variable', weak, hidden, map: data.name, offset, size });
      continue;
    }
    const map = places.definitionAt(symbol.sectionIndex, offset);
    if (map) symbols.push({ name: map.name, kind: 'map', weak, hidden });
  }
  return symbols;
}
