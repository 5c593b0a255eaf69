import { BtfBuilder, type BtfTypeDef, type BtfVarSecinfo } from '@bpfkit/btf';
import { dedupTypes } from './btf-dedup.js';
import { remapTypeIds } from './btf-remap.js';
import type { InputObject } from './input-object.js';
import type { OutputSectionPlan, SectionLayout } from './section-layout.js';
import type { GlobalSymbol, SymbolPlan } from './symbol-resolution.js';

export interface MergedBtf {
  builder: BtfBuilder;
  /** per input: its type id -> the output's (0 for its DATASECs, which are rebuilt) */
  typeMaps: Int32Array[];
}

/**
 * Appends every input's BTF to one, as libbpf's linker_append_btf does: types are copied with
 * their ids remapped, except that each global symbol keeps a single FUNC or VAR, whose underlying
 * type and linkage come from the declaration that won (extern only while nothing defines it).
 * Identical types are then merged (dedupTypes: the step libbpf's btf__dedup takes). DATASECs are
 * rebuilt per output section: each input's static variables moved by the offset its section
 * landed at, and each global variable once, at its resolved symbol's offset.
 */
export function mergeBtf(
  objects: readonly InputObject[],
  layout: SectionLayout,
  symbols: SymbolPlan,
  deduplicate = true,
): MergedBtf {
  const byteOrder = objects[0]!.file.byteOrder;
  const appended = new BtfBuilder({ byteOrder });
  const appendedIds = new Map<GlobalSymbol, number>();
  const appendedMaps = objects.map((object) => appendTypes(appended, object, symbols, appendedIds));
  for (const [global, id] of appendedIds) fixGlobalType(appended, objects, appendedMaps, global, id);
  // Then one copy of each type, as libbpf's btf__dedup leaves it.
  const appendedTypes = [...appended.entries()].map(([, type]) => type);
  const { types, map } = deduplicate
    ? dedupTypes(appendedTypes)
    : { types: appendedTypes, map: Int32Array.from({ length: appendedTypes.length + 1 }, (_, id) => id) };
  const builder = new BtfBuilder({ byteOrder });
  for (const type of types) builder.add(type);
  const typeMaps = appendedMaps.map((old) => old.map((id) => map[id]!));
  const globalIds = new Map([...appendedIds].map(([global, id]) => [global, map[id]!]));
  addDatasecs(builder, objects, layout, typeMaps, globalIds);
  return { builder, typeMaps };
}

function appendTypes(
  builder: BtfBuilder,
  object: InputObject,
  symbols: SymbolPlan,
  globalIds: Map<GlobalSymbol, number>,
): Int32Array {
  const { btf } = object;
  const map = new Int32Array(btf.typeCount + 1);
  const copied: number[] = [];
  let next = builder.typeCount + 1;
  // First give every copied type its new id, so references to later types can be remapped.
  for (let id = 1; id <= btf.typeCount; id++) {
    const kind = btf.kindOf(id);
    if (kind === 'DATASEC') continue;
    if (kind === 'FUNC' || kind === 'VAR') {
      const global = globalOf(object, symbols, id);
      if (global) {
        const known = globalIds.get(global);
        if (known !== undefined) {
          map[id] = known;
          continue;
        }
        globalIds.set(global, next);
      }
    }
    map[id] = next++;
    copied.push(id);
  }
  for (const id of copied) {
    const { id: _id, ...definition } = btf.typeById(id);
    builder.add(remapTypeIds(definition as BtfTypeDef, map));
  }
  return map;
}

/** The global symbol a non-static FUNC or VAR describes, if an ELF symbol of that name exists. */
function globalOf(object: InputObject, symbols: SymbolPlan, id: number): GlobalSymbol | undefined {
  const type = object.btf.typeById(id);
  if ((type.kind !== 'FUNC' && type.kind !== 'VAR') || type.linkage === 'static') return undefined;
  const global = symbols.globals.get(type.name);
  if (!global) return undefined;
  // only this object's declaration of the symbol, not a same-named type in another role
  const own = type.kind === 'FUNC' ? object.functions.get(type.name) : object.variables.get(type.name);
  return own?.id === id ? global : undefined;
}

/** A resolved extern becomes its definition: the winner's FUNC_PROTO or variable type, global linkage. */
function fixGlobalType(
  builder: BtfBuilder,
  objects: readonly InputObject[],
  typeMaps: Int32Array[],
  global: GlobalSymbol,
  id: number,
): void {
  const winner = global.winner;
  const type = builder.type(id);
  if (type.kind !== 'FUNC' && type.kind !== 'VAR') return;
  if (winner.btf) {
    const map = typeMaps[objects.indexOf(winner.object)]!;
    type.type = map[winner.object.btf.sizeOrTypeOf(winner.btf.id)]!;
  }
  type.linkage = global.isExtern ? 'extern' : 'global';
}

interface DatasecPlan {
  name: string;
  section: OutputSectionPlan | undefined;
  vars: BtfVarSecinfo[];
}

function addDatasecs(
  builder: BtfBuilder,
  objects: readonly InputObject[],
  layout: SectionLayout,
  typeMaps: Int32Array[],
  globalIds: Map<GlobalSymbol, number>,
): void {
  const byName = new Map(layout.sections.map((section) => [section.name, section]));
  const plans = new Map<string, DatasecPlan>();
  const plan = (name: string): DatasecPlan => {
    let found = plans.get(name);
    if (!found) {
      found = { name, section: byName.get(name), vars: [] };
      plans.set(name, found);
    }
    return found;
  };
  objects.forEach((object, n) => {
    for (const type of object.btf.types()) {
      if (type.kind !== 'DATASEC') continue;
      const target = plan(type.name);
      const source = object.file.sectionByName(type.name);
      const piece = source ? layout.placements[n]!.get(source.index) : undefined;
      for (const info of type.vars) {
        const variable = object.btf.typeById(info.type);
        if (variable.kind !== 'VAR' || variable.linkage !== 'static' || !piece) continue;
        // clang writes static variables' offsets itself; only their section moved
        target.vars.push({
          type: typeMaps[n]![info.type]!,
          offset: piece.offset + info.offset,
          size: info.size,
        });
      }
    }
  });
  for (const [global, id] of globalIds) {
    const winner = global.winner;
    if (!winner.btf || builder.type(id).kind !== 'VAR') continue;
    const datasec = global.symbol.section?.name ?? winner.btf.datasec;
    if (datasec === undefined) continue;
    plan(datasec).vars.push({
      type: id,
      offset: global.symbol.section ? Number(global.symbol.value) : 0,
      size: winner.btf.size,
    });
  }
  // DATASECs in output-section order, then those of extern-only sections (.kconfig, .ksyms)
  const ordered = [...plans.values()].sort(
    (a, b) => (a.section?.index ?? Number.MAX_SAFE_INTEGER) - (b.section?.index ?? Number.MAX_SAFE_INTEGER),
  );
  for (const datasec of ordered) {
    builder.add({
      kind: 'DATASEC',
      name: datasec.name,
      size: datasec.section?.size ?? 0,
      vars: [...datasec.vars].sort((a, b) => a.offset - b.offset),
    });
  }
}
