import { type Btf, parseBtf } from '@bpfkit/btf';
import {
  addContext,
  type FunctionSpec,
  instructionId,
  type MapSpec,
  markAt,
  type ObjectSpec,
  type ObjectSymbol,
} from '@bpfkit/core';

/** One spec to link, with its BTF parsed and the names it defines and declares. */
export interface SpecInput {
  /** position in the link order */
  index: number;
  spec: ObjectSpec;
  btf: Btf | undefined;
  /** entry programs and functions by name */
  code: Map<string, FunctionSpec>;
  /** global-data maps (kind 'data') by name */
  dataMaps: Map<string, MapSpec>;
  /** the global symbols it defines */
  definitions: ObjectSymbol[];
}

/** Reads what linking needs from a spec; its own objects are never changed. */
export function readSpecInput(spec: ObjectSpec, index: number): SpecInput {
  let btf: Btf | undefined;
  try {
    btf = spec.btf ? parseBtf(spec.btf) : undefined;
  } catch (error) {
    throw addContext(error, 'read BTF', { object: spec.name });
  }
  const code = new Map<string, FunctionSpec>();
  for (const fn of [...spec.programs, ...spec.functions]) code.set(fn.name, fn);
  const dataMaps = new Map(spec.maps.filter((m) => m.kind === 'data').map((m) => [m.name, m]));
  return { index, spec, btf, code, dataMaps, definitions: specDefinitions(spec, btf, dataMaps) };
}

/**
 * The globals a spec defines: its symbol table when open wrote one (it knows weak bindings);
 * otherwise, as for a spec built in code, its programs and global functions, its maps, and the
 * non-static variables of its data maps' DATASECs.
 */
function specDefinitions(
  spec: ObjectSpec,
  btf: Btf | undefined,
  dataMaps: ReadonlyMap<string, MapSpec>,
): ObjectSymbol[] {
  const listed = new Map((spec.symbols ?? []).map((s) => [`${s.kind}:${s.name}`, s]));
  const add = (symbol: ObjectSymbol) => {
    const key = `${symbol.kind}:${symbol.name}`;
    if (!listed.has(key)) listed.set(key, symbol);
  };
  const strong = { weak: false, hidden: false };
  for (const fn of [...spec.programs, ...spec.functions]) {
    if (fn.global) add({ name: fn.name, kind: 'function', ...strong });
  }
  for (const map of spec.maps) {
    if (map.kind !== 'data') add({ name: map.name, kind: 'map', ...strong });
  }
  if (btf) {
    for (const map of dataMaps.values()) {
      for (const variable of datasecVariables(btf, map.name)) {
        if (variable.linkage === 'static') continue;
        add({ name: variable.name, kind: 'variable', ...strong, map: map.name, ...variable.place });
      }
    }
  }
  return [...listed.values()];
}

/** The VARs a spec's DATASEC of one section lists, with their places. */
export function datasecVariables(
  btf: Btf,
  section: string,
): { id: number; name: string; linkage: string; place: { offset: number; size: number } }[] {
  const out: { id: number; name: string; linkage: string; place: { offset: number; size: number } }[] = [];
  for (const datasecId of btf.findByName(section, 'DATASEC')) {
    const datasec = btf.typeById(datasecId);
    if (datasec.kind !== 'DATASEC') continue;
    for (const info of datasec.vars) {
      const variable = btf.typeById(info.type);
      if (variable.kind !== 'VAR') continue;
      out.push({
        id: info.type,
        name: variable.name,
        linkage: variable.linkage,
        place: { offset: info.offset, size: info.size },
      });
    }
  }
  return out;
}

/** The BTF FUNC a function's func_info names at its first instruction, if it has one. */
export function functionBtfId(fn: FunctionSpec): number | undefined {
  return markAt(fn.instructions.funcInfo, instructionId(fn.instructions, 0));
}
