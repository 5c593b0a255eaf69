import {
  addContext,
  clearLines,
  clearMarks,
  cloneSpecData,
  type FunctionSpec,
  type InstructionReference,
  instructionAt,
  instructionId,
  LD_IMM64_CODE,
  LINE_MARK_WORDS,
  lineAt,
  type MapSpec,
  type ObjectSpec,
  type ObjectSymbol,
  type ProgramSpec,
  RelocationError,
  setLine,
  setMark,
  slotIndexer,
  UsageError,
} from '@bpfkit/core';
import { type MergedSpecBtf, mergeSpecBtf } from './spec-btf-merge.js';
import { type MergedDataMap, mergeDataMaps } from './spec-data-maps.js';
import { readSpecInput, type SpecInput } from './spec-input.js';
import { type ResolvedGlobal, resolveSpecGlobals } from './spec-symbols.js';

export interface LinkSpecsOptions {
  /** the linked object's name (default: the first spec's) */
  name?: string;
}

/**
 * Links object specs into one, as linkObjects links ELF objects but over the open model, so code
 * built in JavaScript (ObjectBuilder) and objects opened from clang's output combine before load:
 * - programs and functions are pooled; a static function whose name another spec uses is renamed
 *   `name@object` (calls follow); a weak global that lost is dropped, calls reach the winner;
 * - externs bind to another spec's global definition: a call becomes a bpf-to-bpf call, a variable
 *   a global-data reference, a map a map reference; the rest (kconfig, ksyms, kfuncs) stay externs;
 * - two strong definitions of a name, or declarations whose BTF types disagree, throw
 *   SymbolConflictError naming both objects (same-named maps merge when their definitions agree);
 * - global-data maps of one name are laid end to end, every reference's offset moved with its piece;
 * - BTF is merged (mergeSpecBtf) and every func_info, line_info, CO-RE record and map type id
 *   follows. `btfExt` is not carried: the streams hold its records.
 * The specs are not changed; the result shares nothing with them.
 */
export function linkSpecs(specs: readonly ObjectSpec[], options: LinkSpecsOptions = {}): ObjectSpec {
  const first = specs[0];
  if (!first) throw new UsageError('nothing to link', { hint: 'give at least one object spec' });
  const header = commonHeader(specs);
  const inputs = specs.map((spec, index) => readSpecInput(spec, index));
  const globals = resolveSpecGlobals(inputs);
  const dataMaps = mergeDataMaps(inputs);
  const btf = mergeSpecBtf(inputs, globals, dataMaps, first.byteOrder);
  const renames = renameStatics(inputs, globals);

  const programs: ProgramSpec[] = [];
  const functions: FunctionSpec[] = [];
  for (const input of inputs) {
    const linking = { input, globals, dataMaps, btf, renames: renames[input.index]! };
    const keep = (fn: FunctionSpec) => {
      const global = fn.global ? globals.get(fn.name) : undefined;
      return !global?.winner || global.winner.input === input;
    };
    try {
      for (const program of input.spec.programs) {
        if (!keep(program)) continue;
        const linked = linkCode(program, linking);
        // a program of an object without a license section takes the linked object's, as in ELF
        if (linked.license === '') linked.license = header.license;
        if (linked.kernelVersion === 0) linked.kernelVersion = header.kernelVersion;
        programs.push(linked);
      }
      for (const fn of input.spec.functions) if (keep(fn)) functions.push(linkCode(fn, linking));
    } catch (error) {
      throw addContext(error, 'link code', { object: input.spec.name });
    }
  }

  const linked: ObjectSpec = {
    name: options.name ?? first.name,
    byteOrder: first.byteOrder,
    license: header.license,
    kernelVersion: header.kernelVersion,
    programs,
    functions,
    maps: linkMaps(inputs, globals, dataMaps, btf),
  };
  const externs = [...globals.values()]
    .filter((global) => !global.winner)
    .map((global) => ({ name: global.name, weak: global.weak }));
  if (externs.length > 0) linked.externs = externs;
  const symbols = linkedSymbols(globals, dataMaps);
  if (symbols.length > 0) linked.symbols = symbols;
  if (btf) linked.btf = btf.encode();
  return linked;
}

/**
 * One byte order for all; one license and kernel version among the specs that have one (an object
 * without a "license" or "version" section has none: the ELF linker keeps one copy, which must
 * agree wherever it is present). Returns the license and version the linked object has.
 */
function commonHeader(specs: readonly ObjectSpec[]): { license: string; kernelVersion: number } {
  const first = specs[0]!;
  const withLicense = specs.find((spec) => spec.license !== '');
  const withVersion = specs.find((spec) => spec.kernelVersion !== 0);
  for (const spec of specs) {
    const location = { object: spec.name };
    if (spec.byteOrder !== first.byteOrder) {
      throw new UsageError(
        `${spec.name} is ${spec.byteOrder}-endian but ${first.name} is ${first.byteOrder}-endian`,
        {
          location,
          hint: 'build every spec for one byte order (clang -target bpfel/bpfeb, ObjectBuilder byteOrder)',
        },
      );
    }
    if (withLicense && spec.license !== '' && spec.license !== withLicense.license) {
      throw new UsageError(
        `${spec.name} has license "${spec.license}" but ${withLicense.name} "${withLicense.license}"`,
        { location, hint: 'give every object the same license string' },
      );
    }
    if (withVersion && spec.kernelVersion !== 0 && spec.kernelVersion !== withVersion.kernelVersion) {
      throw new UsageError(
        `${spec.name} has kernel version ${spec.kernelVersion} but ${withVersion.name} ${withVersion.kernelVersion}`,
        { location },
      );
    }
  }
  return { license: withLicense?.license ?? '', kernelVersion: withVersion?.kernelVersion ?? 0 };
}

/** Static functions keep their object's name unless another spec uses it: then `name@object`. */
function renameStatics(
  inputs: readonly SpecInput[],
  globals: ReadonlyMap<string, ResolvedGlobal>,
): Map<string, string>[] {
  const taken = new Set<string>();
  for (const input of inputs) {
    for (const fn of input.code.values()) if (fn.global || globals.has(fn.name)) taken.add(fn.name);
  }
  return inputs.map((input) => {
    const renames = new Map<string, string>();
    for (const fn of input.code.values()) {
      if (fn.global) continue;
      let name = fn.name;
      for (let n = 2; taken.has(name); n++) name = `${fn.name}@${input.spec.name}${n === 2 ? '' : n}`;
      taken.add(name);
      if (name !== fn.name) renames.set(fn.name, name);
    }
    return renames;
  });
}

interface Linking {
  input: SpecInput;
  globals: ReadonlyMap<string, ResolvedGlobal>;
  dataMaps: ReadonlyMap<string, MergedDataMap>;
  btf: MergedSpecBtf | undefined;
  renames: ReadonlyMap<string, string>;
}

/** A copy of one function with its references bound and its BTF ids and strings moved. */
function linkCode<T extends FunctionSpec>(fn: T, linking: Linking): T {
  const copy = cloneSpecData(fn);
  copy.name = linking.renames.get(fn.name) ?? fn.name;
  const stream = copy.instructions;
  const at = slotIndexer(stream);
  for (const [id, reference] of stream.references) {
    const isLoad = () => instructionAt(stream, at(id)!).code === LD_IMM64_CODE;
    stream.references.set(id, bindReference(reference, linking, isLoad));
  }
  const { btf, input } = linking;
  if (!input.btf && stream.coreRelocations.size > 0) {
    throw new RelocationError(`${fn.name} has CO-RE records but its spec has no BTF they could name`, {
      location: { object: input.spec.name, program: fn.name },
      hint: 'give the spec the BTF its CO-RE records were made against',
    });
  }
  if (!btf) return copy;
  const n = input.index;
  if (!input.btf) {
    // ids and offsets into BTF the spec does not have: nothing to keep
    clearMarks(stream.funcInfo);
    clearLines(stream.lineInfo);
  }
  const funcTypes = stream.funcInfo.values;
  for (let i = 0; i < funcTypes.length; i++) funcTypes[i] = btf.typeId(n, funcTypes[i]!);
  for (const record of stream.coreRelocations.values()) record.typeId = btf.typeId(n, record.typeId);
  // file_name_off and line_off of each mark, moved in place (the marks are the copy's own)
  const lines = stream.lineInfo.marks;
  for (let word = 0; word < lines.length; word += LINE_MARK_WORDS) {
    lines[word + 1] = btf.stringOffset(n, lines[word + 1]!);
    lines[word + 2] = btf.stringOffset(n, lines[word + 2]!);
  }
  // Code without BTF: a FUNC and a (blank) line at its start, as PROG_LOAD wants for every subprogram.
  const start = instructionId(stream, 0);
  const made = btf.madeFunctions.get(`${n}:${fn.name}`);
  if (made !== undefined) setMark(stream.funcInfo, start, made);
  if (lineAt(stream.lineInfo, start) === undefined) {
    setLine(stream.lineInfo, start, { fileNameOffset: 0, lineOffset: 0, line: 0, column: 0 });
  }
  return copy;
}

function bindReference(
  reference: InstructionReference,
  { input, globals, dataMaps, renames }: Linking,
  isLoad: () => boolean,
): InstructionReference {
  switch (reference.kind) {
    case 'call':
    case 'func-pointer':
      return { ...reference, function: renames.get(reference.function) ?? reference.function };
    case 'map-value': {
      if (!input.dataMaps.has(reference.map)) return reference;
      const lost = lostVariableAt(input, globals, reference.map, reference.offset);
      if (lost) {
        const place = variablePlace(lost.global, dataMaps)!;
        return { kind: 'map-value', map: place.map, offset: place.offset + reference.offset - lost.offset };
      }
      const start = dataMaps.get(reference.map)!.offsets.get(input.index)!;
      return { ...reference, offset: start + reference.offset };
    }
    case 'extern': {
      const global = globals.get(reference.name);
      if (!global?.winner) return reference;
      switch (global.kind) {
        case 'function':
          return isLoad()
            ? { kind: 'func-pointer', function: global.name }
            : { kind: 'call', function: global.name };
        case 'map':
          return { kind: 'map-fd', map: global.name };
        case 'variable': {
          const place = variablePlace(global, dataMaps)!;
          return { kind: 'map-value', map: place.map, offset: place.offset + reference.offset };
        }
      }
      return reference;
    }
    default:
      return reference;
  }
}

/** A weak variable of this spec that another spec's definition replaced, if `offset` lies in it. */
function lostVariableAt(
  input: SpecInput,
  globals: ReadonlyMap<string, ResolvedGlobal>,
  map: string,
  offset: number,
): { global: ResolvedGlobal; offset: number } | undefined {
  for (const definition of input.definitions) {
    if (definition.kind !== 'variable' || definition.map !== map) continue;
    const start = definition.offset ?? 0;
    if (offset < start || offset >= start + Math.max(1, definition.size ?? 0)) continue;
    const global = globals.get(definition.name);
    if (global?.winner && global.winner.input !== input) return { global, offset: start };
  }
  return undefined;
}

/** Where a resolved variable lies in the merged data maps. */
function variablePlace(
  global: ResolvedGlobal,
  dataMaps: ReadonlyMap<string, MergedDataMap>,
): { map: string; offset: number } | undefined {
  const definition = global.winner?.definition;
  if (!definition?.map) return undefined;
  const start = dataMaps.get(definition.map)?.offsets.get(global.winner!.input.index);
  if (start === undefined) return undefined;
  return { map: definition.map, offset: start + (definition.offset ?? 0) };
}

/** Maps of every spec: merged data maps once, each other map from the definition that won. */
function linkMaps(
  inputs: readonly SpecInput[],
  globals: ReadonlyMap<string, ResolvedGlobal>,
  dataMaps: ReadonlyMap<string, MergedDataMap>,
  btf: MergedSpecBtf | undefined,
): MapSpec[] {
  const maps: MapSpec[] = [];
  const placed = new Set<string>();
  for (const input of inputs) {
    for (const map of input.spec.maps) {
      if (placed.has(map.name)) continue;
      if (map.kind === 'data') {
        const merged = cloneSpecData(dataMaps.get(map.name)!.map);
        const datasec = btf?.datasecs.get(map.name);
        if (datasec !== undefined) {
          merged.btfKeyTypeId = 0;
          merged.btfValueTypeId = datasec;
          merged.source.btfTypeId = datasec;
        }
        maps.push(merged);
        placed.add(map.name);
        continue;
      }
      const winner = globals.get(map.name)?.winner;
      if (winner && winner.input !== input) continue;
      maps.push(remapMapBtf(cloneSpecData(map), input, btf));
      placed.add(map.name);
    }
  }
  return maps;
}

function remapMapBtf(map: MapSpec, input: SpecInput, btf: MergedSpecBtf | undefined): MapSpec {
  if (!btf || !input.btf) return map;
  const to = (id: number) => btf.typeId(input.index, id);
  if (map.btfKeyTypeId !== undefined) map.btfKeyTypeId = to(map.btfKeyTypeId);
  if (map.btfValueTypeId !== undefined) map.btfValueTypeId = to(map.btfValueTypeId);
  if (map.source.btfTypeId !== undefined) map.source.btfTypeId = to(map.source.btfTypeId);
  if (map.source.btfVarId !== undefined) map.source.btfVarId = to(map.source.btfVarId);
  if (map.innerMap) remapMapBtf(map.innerMap, input, btf);
  return map;
}

/** The linked object's own globals, for linking it again. */
function linkedSymbols(
  globals: ReadonlyMap<string, ResolvedGlobal>,
  dataMaps: ReadonlyMap<string, MergedDataMap>,
): ObjectSymbol[] {
  const symbols: ObjectSymbol[] = [];
  for (const global of globals.values()) {
    const definition = global.winner?.definition;
    if (!definition) continue;
    const symbol: ObjectSymbol = {
      name: global.name,
      kind: global.kind,
      weak: global.weak,
      hidden: global.hidden,
    };
    const place = variablePlace(global, dataMaps);
    if (place) Object.assign(symbol, place, definition.size === undefined ? {} : { size: definition.size });
    symbols.push(symbol);
  }
  return symbols;
}
