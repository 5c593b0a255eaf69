import { type Btf, type BtfValue, decodeValue, encodeValue, parseBtf } from '@bpfkit/btf';
import { type MapSpec, NotFoundError, type ObjectSpec } from '@bpfkit/core';
import { type DataVariable, dataVariables, writeVariable } from '@bpfkit/maps-btf';
import type { LiveMap } from './live/live-map.js';

/** A global variable of an object: where it lives and its C type. */
export interface GlobalVariable extends DataVariable {
  /** the data map that holds it (".rodata", ".bss", ...) */
  map: string;
  /** the C type, e.g. "const volatile __u32" */
  typeName: string;
}

const parsed = new WeakMap<Uint8Array, Btf>();

/** The spec's BTF, parsed once per byte array. */
export function specBtf(spec: ObjectSpec): Btf | undefined {
  if (!spec.btf) return undefined;
  let btf = parsed.get(spec.btf);
  if (!btf) {
    btf = parseBtf(spec.btf);
    parsed.set(spec.btf, btf);
  }
  return btf;
}

/** Every variable of every global-data map of the spec, from BTF. */
export function globalVariables(spec: ObjectSpec): GlobalVariable[] {
  const btf = specBtf(spec);
  if (!btf) return [];
  return spec.maps
    .filter((m) => m.kind === 'data' && m.btfValueTypeId)
    .flatMap((map) =>
      dataVariables(btf, map).map((v) => ({ ...v, map: map.name, typeName: btf.formatType(v.typeId) })),
    );
}

function locate(spec: ObjectSpec, name: string): { btf: Btf; map: MapSpec; variable: GlobalVariable } {
  const btf = specBtf(spec);
  const variable = globalVariables(spec).find((v) => v.name === name);
  const map = variable && spec.maps.find((m) => m.name === variable.map);
  if (!btf || !variable || !map) {
    throw new NotFoundError(`${spec.name} has no global variable named ${name}`, {
      location: { object: spec.name, symbol: name },
      hint: btf
        ? `variables: ${globalVariables(spec)
            .map((v) => v.name)
            .join(', ')}`
        : 'the object has no BTF (build it with -g)',
    });
  }
  return { btf, map, variable };
}

/** Reads a variable's initial value between open and load. */
export function getVariable(spec: ObjectSpec, name: string): BtfValue {
  const { btf, map, variable } = locate(spec, name);
  const data = map.initialData ?? new Uint8Array(map.valueSize);
  return decodeValue(btf, variable.typeId, data.subarray(variable.offset, variable.offset + variable.size));
}

/** Sets a variable's initial value between open and load (a `.rodata` constant, a `.data` default). */
export function setVariable(spec: ObjectSpec, name: string, value: BtfValue): void {
  const { btf, map } = locate(spec, name);
  writeVariable(btf, map, name, value);
}

/** Reads a variable from its live map after load (`.data`, `.bss`, and `.rodata` too). */
export function readLiveVariable(
  spec: ObjectSpec,
  maps: ReadonlyMap<string, LiveMap>,
  name: string,
): BtfValue {
  const { btf, map, variable } = locate(spec, name);
  const value = maps.get(map.name)?.lookup(new Uint8Array(4));
  if (!value) throw new NotFoundError(`map ${map.name} of variable ${name} is not loaded`);
  return decodeValue(btf, variable.typeId, value.subarray(variable.offset, variable.offset + variable.size));
}

/** Writes a variable in its live map (read-modify-write of the single value; frozen .rodata refuses). */
export function writeLiveVariable(
  spec: ObjectSpec,
  maps: ReadonlyMap<string, LiveMap>,
  name: string,
  value: BtfValue,
): void {
  const { btf, map, variable } = locate(spec, name);
  const live = maps.get(map.name);
  const bytes = live?.lookup(new Uint8Array(4));
  if (!live || !bytes) throw new NotFoundError(`map ${map.name} of variable ${name} is not loaded`);
  encodeValue(btf, variable.typeId, value, bytes.subarray(variable.offset, variable.offset + variable.size));
  live.update(new Uint8Array(4), bytes);
}
