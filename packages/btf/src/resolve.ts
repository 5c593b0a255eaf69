import { BtfError } from '@bpfkit/core';
import type { Btf } from './btf.js';
import { BtfKindNumber as K, KIND_NAMES, MAX_RESOLVE_DEPTH, POINTER_SIZE } from './constants.js';
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

/** TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG by kind number: what isModifier accepts. */
function isModifierKind(kind: number): boolean {
  return (
    kind === K.TYPEDEF ||
    kind === K.VOLATILE ||
    kind === K.CONST ||
    kind === K.RESTRICT ||
    kind === K.TYPE_TAG
  );
}

/**
 * The type a modifier, VAR, DECL_TAG or ARRAY refers to, read from its words. A reference past
 * the last type (or a name past the string table) only exists in BTF parsed without validation:
 * decoding the type then throws the decoder's error for it.
 */
function referencedType(btf: Btf, id: number, kind: number): number {
  const holder = btf.typeHolder(id);
  const pos = holder.typeWordIndex(id);
  const { words } = holder;
  const target = kind === K.ARRAY ? words[pos + 3]! : words[pos + 2]!;
  const bad =
    target > holder.typeCount ||
    words[pos]! >= holder.stringsLength ||
    (kind === K.ARRAY && words[pos + 4]! > holder.typeCount);
  if (bad) holder.typeById(id);
  return target;
}

export function skipModsAndTypedefs(btf: Btf, id: number): number {
  let current = id;
  for (let depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
    if (current === 0) return 0;
    const kind = btf.kindNumberOf(current);
    if (!isModifierKind(kind)) return current;
    current = referencedType(btf, current, kind);
  }
  throw chainTooDeep(id, current);
}

/**
 * Like libbpf's btf__resolve_size: follows typedefs, modifiers, VARs and DECL_TAGs, multiplies
 * arrays. Answers are kept per Btf and type id: CO-RE asks for the same few types again and again.
 */
export function resolveSize(btf: Btf, id: number): number {
  const sizes = btf.resolvedSizes();
  let size = sizes.get(id);
  if (size === undefined) {
    size = computeSize(btf, id);
    sizes.set(id, size);
  }
  return size;
}

function computeSize(btf: Btf, id: number): number {
  let count = 1;
  let current = id;
  for (let depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
    if (current === 0) {
      throw new BtfError('void has no size', { location: { typeId: id, field: 'type' } });
    }
    const kind = btf.kindNumberOf(current);
    let size: number;
    switch (kind) {
      case K.INT:
      case K.ENUM:
      case K.ENUM64:
      case K.STRUCT:
      case K.UNION:
      case K.FLOAT:
      case K.DATASEC:
        size = btf.sizeOrTypeOf(current);
        break;
      case K.PTR:
        size = POINTER_SIZE;
        break;
      case K.TYPEDEF:
      case K.CONST:
      case K.VOLATILE:
      case K.RESTRICT:
      case K.TYPE_TAG:
      case K.VAR:
      case K.DECL_TAG:
        current = referencedType(btf, current, kind);
        continue;
      case K.ARRAY: {
        const holder = btf.typeHolder(current);
        count *= holder.words[holder.typeWordIndex(current) + 5]!;
        current = referencedType(btf, current, kind);
        continue;
      }
      default:
        throw new BtfError(`${KIND_NAMES[kind]} has no size`, {
          location: { typeId: current, field: 'type' },
        });
    }
    const total = size * count;
    if (total > 0xffffffff) {
      throw new BtfError(`size of type ${id} overflows 32 bits`, { location: { typeId: id, field: 'size' } });
    }
    return total;
  }
  throw chainTooDeep(id, current);
}
