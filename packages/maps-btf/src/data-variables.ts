import { type Btf, type BtfLinkage, type BtfValue, decodeValue, encodeValue } from '@bpfkit/btf';
import { BtfError, type MapSpec, NotFoundError, UsageError } from '@bpfkit/core';

/** A global variable of a data map, from the section's DATASEC. */
export interface DataVariable {
  name: string;
  /** byte offset inside the map value (the section) */
  offset: number;
  size: number;
  /** the variable's type (what decodeValue/encodeValue take) */
  typeId: number;
  /** the VAR itself */
  varId: number;
  /** static and hidden variables are not visible to other objects or skeletons */
  linkage: BtfLinkage;
}

/**
 * The variables of a global-data map (`.rodata`, `.data`, `.bss`, ...), in offset order. `btf`
 * is the object's BTF with DATASECs fixed up (what objectBtf returns). Throws UsageError for a
 * map without a DATASEC (not a data map, or a string-literal section like `.rodata.str1.1`).
 */
export function dataVariables(btf: Btf, spec: MapSpec): DataVariable[] {
  const datasecId = findDatasec(btf, spec);
  const datasec = btf.typeById(datasecId);
  if (datasec.kind !== 'DATASEC') throw new Error('unreachable: findDatasec returned another kind');
  return datasec.vars.map((info) => {
    const variable = btf.typeById(info.type);
    if (variable.kind !== 'VAR') {
      throw new BtfError(`DATASEC ${datasec.name} holds a ${variable.kind}, not a VAR`, {
        location: { map: spec.name, typeId: info.type },
      });
    }
    if (info.offset + info.size > spec.valueSize) {
      throw new BtfError(`variable ${variable.name} lies past the end of map ${spec.name}`, {
        location: { map: spec.name, symbol: variable.name, byteOffset: info.offset, typeId: info.type },
      });
    }
    return {
      name: variable.name,
      offset: info.offset,
      size: info.size,
      typeId: variable.type,
      varId: info.type,
      linkage: variable.linkage,
    };
  });
}

/** Decodes one variable from the map's initial data (zeros where there is none, as in .bss). */
export function readVariable(btf: Btf, spec: MapSpec, name: string): BtfValue {
  const variable = findVariable(btf, spec, name);
  const data = spec.initialData ?? new Uint8Array(spec.valueSize);
  return decodeValue(btf, variable.typeId, data.subarray(variable.offset, variable.offset + variable.size));
}

/**
 * Encodes `value` into the map's initial data at the variable's place, so constants in `.rodata`
 * can be set between open and load. A map without initial data (`.bss`) gets a zeroed buffer
 * first. Members of a struct value that are left out keep their bytes.
 */
export function writeVariable(btf: Btf, spec: MapSpec, name: string, value: BtfValue): void {
  const variable = findVariable(btf, spec, name);
  spec.initialData ??= new Uint8Array(spec.valueSize);
  encodeValue(
    btf,
    variable.typeId,
    value,
    spec.initialData.subarray(variable.offset, variable.offset + variable.size),
  );
}

function findDatasec(btf: Btf, spec: MapSpec): number {
  const valueId = spec.btfValueTypeId;
  if (valueId && btf.kindOf(valueId) === 'DATASEC') return valueId;
  const [id] = btf.findByName(spec.source.section, 'DATASEC');
  if (id === undefined) {
    throw new UsageError(`map ${spec.name} has no BTF DATASEC, so its variables are unknown`, {
      location: { map: spec.name, section: spec.source.section },
      hint: 'only global-data maps (.data, .rodata, .bss, ...) of objects built with -g have variables',
    });
  }
  return id;
}

function findVariable(btf: Btf, spec: MapSpec, name: string): DataVariable {
  const variables = dataVariables(btf, spec);
  const variable = variables.find((v) => v.name === name);
  if (!variable) {
    throw new NotFoundError(`map ${spec.name} has no variable ${name}`, {
      location: { map: spec.name, symbol: name },
      hint: `its variables: ${variables.map((v) => v.name).join(', ') || '(none)'}`,
    });
  }
  return variable;
}
