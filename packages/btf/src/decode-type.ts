import { BtfError } from '@bpfkit/core';
import {
  BTF_INT_BOOL,
  BTF_INT_CHAR,
  BTF_INT_SIGNED,
  type BtfLinkage,
  BtfKindNumber as K,
  LINKAGE_NAMES,
} from './constants.js';
import type { BtfMember, BtfType } from './types.js';

/** What decoding one type needs: the type section as host-order words and the string table. */
export interface RawTypeSource {
  readonly words: Uint32Array;
  /** highest valid type id and total string table length: what references are checked against */
  readonly typeCount: number;
  readonly stringsLength: number;
  name(offset: number): string;
}

function linkage(value: number, id: number): BtfLinkage {
  const name = LINKAGE_NAMES[value];
  if (name === undefined)
    throw new BtfError(`unknown linkage ${value}`, { location: { typeId: id, field: 'linkage' } });
  return name;
}

/**
 * Decodes the btf_type at word `pos` (and its trailing records) into a plain object. Every name
 * offset and referenced type id is checked here too, for BTF parsed without full validation.
 */
export function decodeType(src: RawTypeSource, id: number, pos: number): BtfType {
  const { words } = src;
  const str = (word: number, field: string): string => {
    const offset = words[word]!;
    if (offset >= src.stringsLength) {
      throw new BtfError(`name offset ${offset} is past the string table`, {
        location: { typeId: id, field },
      });
    }
    return src.name(offset);
  };
  const ref = (word: number, field: string): number => {
    const target = words[word]!;
    if (target > src.typeCount) {
      throw new BtfError(`type ${id} refers to type ${target}, but the last type is ${src.typeCount}`, {
        location: { typeId: id, field },
      });
    }
    return target;
  };
  const name = str(pos, 'name_off');
  const info = words[pos + 1]!;
  const kind = (info >>> 24) & 0x1f;
  const vlen = info & 0xffff;
  const kindFlag = info >>> 31 === 1;
  const sizeOrType = words[pos + 2]!;
  // for kinds whose third word is a type id
  const target = (): number => ref(pos + 2, 'type');
  let rec = pos + 3;
  switch (kind) {
    case K.INT: {
      const extra = words[rec]!;
      const encoding = (extra >>> 24) & 0x0f;
      return {
        kind: 'INT',
        id,
        name,
        size: sizeOrType,
        signed: (encoding & BTF_INT_SIGNED) !== 0,
        char: (encoding & BTF_INT_CHAR) !== 0,
        bool: (encoding & BTF_INT_BOOL) !== 0,
        bitOffset: (extra >>> 16) & 0xff,
        bits: extra & 0xff,
      };
    }
    case K.PTR:
      return { kind: 'PTR', id, name, type: target() };
    case K.ARRAY:
      return {
        kind: 'ARRAY',
        id,
        name,
        type: ref(rec, 'btf_array.type'),
        indexType: ref(rec + 1, 'btf_array.index_type'),
        length: words[rec + 2]!,
      };
    case K.STRUCT:
    case K.UNION: {
      const members: BtfMember[] = new Array(vlen);
      for (let i = 0; i < vlen; i++, rec += 3) {
        const offset = words[rec + 2]!;
        members[i] = {
          name: str(rec, `members[${i}].name_off`),
          type: ref(rec + 1, `members[${i}].type`),
          // kind_flag splits the offset: bitfield size in the top 8 bits, bit offset below
          bitOffset: kindFlag ? offset & 0xffffff : offset,
          bitfieldSize: kindFlag ? offset >>> 24 : 0,
        };
      }
      return {
        kind: kind === K.STRUCT ? 'STRUCT' : 'UNION',
        id,
        name,
        size: sizeOrType,
        bitfieldOffsets: kindFlag,
        members,
      };
    }
    case K.ENUM: {
      const values: { name: string; value: number }[] = new Array(vlen);
      for (let i = 0; i < vlen; i++, rec += 2) {
        values[i] = {
          name: str(rec, `values[${i}].name_off`),
          value: kindFlag ? words[rec + 1]! | 0 : words[rec + 1]!,
        };
      }
      return { kind: 'ENUM', id, name, size: sizeOrType, signed: kindFlag, values };
    }
    case K.ENUM64: {
      const values: { name: string; value: bigint }[] = new Array(vlen);
      for (let i = 0; i < vlen; i++, rec += 3) {
        const raw = (BigInt(words[rec + 2]!) << 32n) | BigInt(words[rec + 1]!);
        values[i] = {
          name: str(rec, `values[${i}].name_off`),
          value: kindFlag ? BigInt.asIntN(64, raw) : raw,
        };
      }
      return { kind: 'ENUM64', id, name, size: sizeOrType, signed: kindFlag, values };
    }
    case K.FWD:
      return { kind: 'FWD', id, name, fwdKind: kindFlag ? 'union' : 'struct' };
    case K.TYPEDEF:
      return { kind: 'TYPEDEF', id, name, type: target() };
    case K.VOLATILE:
      return { kind: 'VOLATILE', id, name, type: target() };
    case K.CONST:
      return { kind: 'CONST', id, name, type: target() };
    case K.RESTRICT:
      return { kind: 'RESTRICT', id, name, type: target() };
    case K.TYPE_TAG:
      return kindFlag
        ? { kind: 'TYPE_TAG', id, name, type: target(), attribute: true }
        : { kind: 'TYPE_TAG', id, name, type: target() };
    case K.FUNC:
      return { kind: 'FUNC', id, name, type: target(), linkage: linkage(vlen, id) };
    case K.FUNC_PROTO: {
      const params = new Array(vlen);
      for (let i = 0; i < vlen; i++, rec += 2) {
        params[i] = { name: str(rec, `params[${i}].name_off`), type: ref(rec + 1, `params[${i}].type`) };
      }
      return { kind: 'FUNC_PROTO', id, name, returnType: ref(pos + 2, 'ret_type'), params };
    }
    case K.VAR:
      return { kind: 'VAR', id, name, type: target(), linkage: linkage(words[rec]!, id) };
    case K.DATASEC: {
      const vars = new Array(vlen);
      for (let i = 0; i < vlen; i++, rec += 3) {
        vars[i] = {
          type: ref(rec, `vars[${i}].type`),
          offset: words[rec + 1]!,
          size: words[rec + 2]!,
        };
      }
      return { kind: 'DATASEC', id, name, size: sizeOrType, vars };
    }
    case K.FLOAT:
      return { kind: 'FLOAT', id, name, size: sizeOrType };
    case K.DECL_TAG: {
      const componentIdx = words[rec]! | 0;
      const type = target();
      return kindFlag
        ? { kind: 'DECL_TAG', id, name, type, componentIdx, attribute: true }
        : { kind: 'DECL_TAG', id, name, type, componentIdx };
    }
    default:
      throw new BtfError(`unknown BTF kind ${kind}`, {
        location: { typeId: id, field: 'info.kind' },
      });
  }
}
