import { BtfError } from '@bpfkit/core';
import type { Btf } from './btf.js';
import { MAX_RESOLVE_DEPTH, POINTER_SIZE } from './constants.js';
import type { BtfModifier, BtfType } from './types.js';

/** Kinds that only qualify or rename another type. */
export function isModifier(type: BtfType): type is BtfModifier {
  switch (type.kind) {
    case 'TYPEDEF':
    case 'CONST':
    case 'VOLATILE':
    case 'RESTRICT':
    case 'TYPE_TAG':
      return true;
    default:
      return false;
  }
}

/** The error for a reference chain longer than libbpf's MAX_RESOLVE_DEPTH: almost always a loop. */
export function chainTooDeep(start: number, last: number): BtfError {
  return new BtfError(`type chain from type ${start} is longer than ${MAX_RESOLVE_DEPTH} links (a loop?)`, {
    location: { typeId: last, field: 'type' },
    hint: 'typedefs or modifiers that refer back to themselves make malformed BTF',
  });
}

export function skipModsAndTypedefs(btf: Btf, id: number): number {
  let current = id;
  for (let depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
    if (current === 0) return 0;
    const type = btf.typeById(current);
    if (!isModifier(type)) return current;
    current = type.type;
  }
  throw chainTooDeep(id, current);
}

/** Like libbpf's btf__resolve_size: follows typedefs, modifiers, VARs and DECL_TAGs, multiplies arrays. */
export function resolveSize(btf: Btf, id: number): number {
  let count = 1;
  let current = id;
  for (let depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
    if (current === 0) {
      throw new BtfError('void has no size', { location: { typeId: id, field: 'type' } });
    }
    const type = btf.typeById(current);
    let size: number | undefined;
    switch (type.kind) {
      case 'INT':
      case 'ENUM':
      case 'ENUM64':
      case 'STRUCT':
      case 'UNION':
      case 'FLOAT':
      case 'DATASEC':
        size = type.size;
        break;
      case 'PTR':
        size = POINTER_SIZE;
        break;
      case 'TYPEDEF':
      case 'CONST':
      case 'VOLATILE':
      case 'RESTRICT':
      case 'TYPE_TAG':
      case 'VAR':
      case 'DECL_TAG':
        current = type.type;
        continue;
      case 'ARRAY':
        count *= type.length;
        current = type.type;
        continue;
      default:
        throw new BtfError(`${type.kind} has no size`, { location: { typeId: current, field: 'type' } });
    }
    const total = size * count;
    if (total > 0xffffffff) {
      throw new BtfError(`size of type ${id} overflows 32 bits`, { location: { typeId: id, field: 'size' } });
    }
    return total;
  }
  throw chainTooDeep(id, current);
}
