import { BtfBuilder, type BtfTypeDef, type BtfVarSecinfo } from '@bpfkit/btf';
import { dedupTypes } from './btf-dedup.js';
import { remapTypeIds } from './btf-remap.js';
import type { MergedDataMap } from './spec-data-maps.js';
import { functionBtfId, type SpecInput } from './spec-input.js';
import type { ResolvedGlobal } from './spec-symbols.js';

/** The specs' BTF as one, and how each spec's ids and string offsets map into it. */
export interface MergedSpecBtf {
  /** the .BTF bytes: call once every string offset has been asked for */
  encode(): Uint8Array;
  /** a type id of input `input`'s BTF -> the merged id (void stays 0) */
  typeId(input: number, id: number): number;
  /** a string offset of input `input`'s BTF (line_info file and line text) -> the merged one */
  stringOffset(input: number, offset: number): number;
  /** the merged DATASEC of each global-data map */
  datasecs: Map<string, number>;
  /** the FUNC of each function that had none (`input:name`): its extern declaration's, or a new one */
  madeFunctions: Map<string, number>;
}

const DATASEC_ALIGN = 8;

/**
 * Appends every spec's BTF, as the ELF linker's mergeBtf does for objects: each global keeps one
 * FUNC or VAR (the definition's, else the first extern's, with the other declarations pointing at
 * it), DATASECs are rebuilt per merged section with each piece's offset added, and identical types
 * are merged (dedupTypes). A function with no func_info (code built without BTF) gets a static FUNC:
 * the prototype of the extern that called it when there is one, else `int (void)`, so programs that
 * mix it with code that has func_info still describe every subprogram, as PROG_LOAD requires.
 * Undefined when no spec has BTF.
 */
export function mergeSpecBtf(
  inputs: readonly SpecInput[],
  globals: ReadonlyMap<string, ResolvedGlobal>,
  dataMaps: ReadonlyMap<string, MergedDataMap>,
  byteOrder: 'little' | 'big',
): MergedSpecBtf | undefined {
  if (!inputs.some((input) => input.btf)) return undefined;
  // 1. every type of every spec, ids shifted past the specs before it
  const appended: BtfTypeDef[] = [];
  const bases = new Map<number, number>();
  for (const input of inputs) {
    if (!input.btf) continue;
    const base = appended.length;
    bases.set(input.index, base);
    const shift = Int32Array.from({ length: input.btf.typeCount + 1 }, (_, id) => (id === 0 ? 0 : base + id));
    for (const type of input.btf.types()) {
      const { id: _id, ...definition } = type;
      appended.push(remapTypeIds(definition as BtfTypeDef, shift));
    }
  }
  const appendedId = (input: SpecInput, id: number) => bases.get(input.index)! + id;

  // 2. one FUNC or VAR per global
  const aliases = new Map<number, number>();
  const madeFunctions = new Map<string, number>();
  for (const global of globals.values()) {
    const described = global.declarations.filter((d) => d.btfId !== undefined && d.input.btf);
    const winner = global.winner;
    const survivor = winner?.btfId !== undefined && winner.input.btf ? winner : described[0];
    if (!survivor) continue;
    const survivorId = appendedId(survivor.input, survivor.btfId!);
    for (const declaration of described) {
      if (declaration !== survivor)
        aliases.set(appendedId(declaration.input, declaration.btfId!), survivorId);
    }
    const type = appended[survivorId - 1]!;
    if (!winner || (type.kind !== 'FUNC' && type.kind !== 'VAR') || type.linkage !== 'extern') continue;
    if (winner === survivor) continue;
    // defined by code without BTF: the extern's FUNC describes it, verified in its caller's context
    type.linkage = type.kind === 'FUNC' ? 'static' : 'global';
    if (type.kind === 'FUNC') type.type = namedParameters(appended, type.type);
    if (global.kind === 'function') madeFunctions.set(`${winner.input.index}:${global.name}`, survivorId);
  }

  // 3. DATASECs rebuilt: data sections at their merged offsets, others (.maps, .kconfig) appended
  const datasecPlans = new Map<string, { size: number; vars: BtfVarSecinfo[] }>();
  const dropped = new Set<number>();
  for (const input of inputs) {
    if (!input.btf) continue;
    for (const type of input.btf.types()) {
      if (type.kind !== 'DATASEC') continue;
      dropped.add(appendedId(input, type.id));
      let plan = datasecPlans.get(type.name);
      if (!plan) {
        plan = { size: 0, vars: [] };
        datasecPlans.set(type.name, plan);
      }
      const data = dataMaps.get(type.name);
      const shift = data
        ? (data.offsets.get(input.index) ?? 0)
        : Math.ceil(plan.size / DATASEC_ALIGN) * DATASEC_ALIGN;
      for (const info of type.vars) {
        const id = appendedId(input, info.type);
        if (aliases.has(id)) continue;
        plan.vars.push({ type: id, offset: shift + info.offset, size: info.size });
      }
      plan.size = data ? data.map.valueSize : Math.max(plan.size, shift + type.size);
    }
  }

  // 4. functions without func_info get a FUNC
  let intId: number | undefined;
  for (const input of inputs) {
    for (const fn of input.code.values()) {
      const key = `${input.index}:${fn.name}`;
      if (madeFunctions.has(key) || (input.btf && functionBtfId(fn) !== undefined)) continue;
      intId ??= appended.push({
        kind: 'INT',
        name: 'int',
        size: 4,
        signed: true,
        char: false,
        bool: false,
        bitOffset: 0,
        bits: 32,
      });
      const proto = appended.push({ kind: 'FUNC_PROTO', name: '', returnType: intId, params: [] });
      madeFunctions.set(
        key,
        appended.push({ kind: 'FUNC', name: identifier(fn.name), linkage: 'static', type: proto }),
      );
    }
  }

  // 5. drop the aliased declarations and old DATASECs, add the new DATASECs, merge identical types
  const renumber = new Int32Array(appended.length + 1);
  const kept: number[] = [];
  for (let id = 1; id <= appended.length; id++) {
    if (aliases.has(id) || dropped.has(id)) continue;
    kept.push(id);
    renumber[id] = kept.length;
  }
  for (const [alias, survivor] of aliases) renumber[alias] = renumber[survivor]!;
  const compact: BtfTypeDef[] = kept.map((id) => remapTypeIds(appended[id - 1]!, renumber));
  const datasecIds = new Map<string, number>();
  for (const [name, plan] of datasecPlans) {
    const vars = plan.vars
      .map((info) => ({ ...info, type: renumber[info.type]! }))
      .sort((a, b) => a.offset - b.offset);
    datasecIds.set(name, compact.push({ kind: 'DATASEC', name, size: plan.size, vars }));
  }
  const { types, map } = dedupTypes(compact);
  const final = (id: number) => (id === 0 ? 0 : map[renumber[id]!]!);

  const builder = new BtfBuilder({ byteOrder });
  for (const type of types) builder.add(type);
  const strings = new Map<string, number>();
  return {
    encode: () => builder.encode(),
    typeId: (input, id) => (id === 0 ? 0 : final(bases.get(input)! + id)),
    stringOffset: (input, offset) => {
      const key = `${input}:${offset}`;
      let found = strings.get(key);
      if (found === undefined) {
        found = builder.addString(inputs[input]!.btf!.name(offset));
        strings.set(key, found);
      }
      return found;
    },
    datasecs: new Map(
      [...datasecIds].filter(([name]) => dataMaps.has(name)).map(([name, id]) => [name, map[id]!]),
    ),
    madeFunctions: new Map([...madeFunctions].map(([key, id]) => [key, final(id)])),
  };
}

/** BTF FUNC names must be C identifiers (the kernel checks); code built in JS may be named freely. */
function identifier(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
}

/**
 * clang leaves an extern declaration's parameters unnamed, and BTF_LOAD refuses a FUNC whose
 * prototype has an unnamed parameter ("Invalid arg#N"): a copy with arg1, arg2, ... for those.
 */
function namedParameters(types: BtfTypeDef[], protoId: number): number {
  const proto = types[protoId - 1];
  if (proto?.kind !== 'FUNC_PROTO' || proto.params.every((p) => p.name !== '' || p.type === 0))
    return protoId;
  const params = proto.params.map((p, i) =>
    p.name === '' && p.type !== 0 ? { ...p, name: `arg${i + 1}` } : p,
  );
  return types.push({ ...proto, params });
}
