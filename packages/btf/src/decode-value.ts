import { BtfError, UsageError } from '@bpfkit/core';
import type { Btf } from './btf.js';
import { POINTER_SIZE } from './constants.js';
import type { ByteOrder } from './header.js';
import { resolveSize } from './resolve.js';
import type { BtfInt, BtfType } from './types.js';
import {
  bitfieldSpan,
  checkIntSize,
  flattenMembers,
  isCharElement,
  memberPath,
  needBytes,
  readUnsigned,
  valueType,
} from './value-common.js';

/** A C value as plain JS: what decodeValue returns and encodeValue accepts. */
export type BtfValue = number | bigint | boolean | string | BtfValue[] | { [name: string]: BtfValue };

/** Struct nesting deeper than this can only come from a struct that contains itself. */
const MAX_NESTING = 64;

interface Reader {
  btf: Btf;
  bytes: Uint8Array;
  view: DataView;
  le: boolean;
}

const utf8 = new TextDecoder('utf-8');

/**
 * Decodes the bytes of a value of BTF type `typeId`: ints → number (bigint for 8- and 16-byte
 * ints and ENUM64), _Bool → boolean, char[N] → string (up to the first NUL), other arrays →
 * arrays, structs/unions/DATASECs → objects keyed by member/variable name (anonymous members
 * flattened into their parent, as C accesses them), enums → number, pointers → bigint.
 */
export function decodeValue(
  btf: Btf,
  typeId: number,
  bytes: Uint8Array,
  byteOrder: ByteOrder = btf.byteOrder,
): BtfValue {
  needBytes(bytes, 0, resolveSize(btf, typeId), typeId, '');
  const reader: Reader = {
    btf,
    bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    le: byteOrder === 'little',
  };
  return decodeAt(reader, typeId, 0, '', 0);
}

function decodeAt(r: Reader, id: number, offset: number, path: string, depth: number): BtfValue {
  if (depth > MAX_NESTING) {
    throw new BtfError(`values nest deeper than ${MAX_NESTING} levels (a struct containing itself?)`, {
      location: { typeId: id, field: path },
    });
  }
  const type = valueType(r.btf, id);
  if (!type)
    throw new UsageError(`${path || 'value'} has type void`, { location: { typeId: id, field: path } });
  switch (type.kind) {
    case 'INT':
      if (type.bitOffset !== 0 || type.bits !== type.size * 8) {
        return decodeBits(r, type, offset * 8 + type.bitOffset, type.bits, path);
      }
      return decodeInt(r, type, offset, path);
    case 'PTR':
      needBytes(r.bytes, offset, POINTER_SIZE, id, path);
      return r.view.getBigUint64(offset, r.le);
    case 'ENUM':
      return decodeInteger(r, type.size, type.signed, offset, type.id, path, false);
    case 'ENUM64':
      return decodeInteger(r, type.size, type.signed, offset, type.id, path, true);
    case 'FLOAT':
      needBytes(r.bytes, offset, type.size, id, path);
      if (type.size === 4) return r.view.getFloat32(offset, r.le);
      if (type.size === 8) return r.view.getFloat64(offset, r.le);
      throw new UsageError(`${type.size}-byte floats cannot be decoded`, {
        location: { typeId: type.id, field: path },
      });
    case 'ARRAY': {
      if (isCharElement(r.btf, type.type)) {
        needBytes(r.bytes, offset, type.length, id, path);
        const chars = r.bytes.subarray(offset, offset + type.length);
        const nul = chars.indexOf(0);
        return utf8.decode(nul < 0 ? chars : chars.subarray(0, nul));
      }
      const elementSize = resolveSize(r.btf, type.type);
      const values: BtfValue[] = new Array(type.length);
      for (let i = 0; i < type.length; i++) {
        values[i] = decodeAt(r, type.type, offset + i * elementSize, `${path}[${i}]`, depth + 1);
      }
      return values;
    }
    case 'STRUCT':
    case 'UNION': {
      const object: { [name: string]: BtfValue } = {};
      for (const { member, bitOffset } of flattenMembers(r.btf, type.members)) {
        const name = memberPath(path, member.name);
        if (member.bitfieldSize > 0) {
          const base = bitfieldBase(r.btf, member.type, name);
          object[member.name] = decodeBits(r, base, offset * 8 + bitOffset, member.bitfieldSize, name);
        } else if (bitOffset % 8 === 0) {
          object[member.name] = decodeAt(r, member.type, offset + bitOffset / 8, name, depth + 1);
        } else {
          // legacy bitfield (no kind_flag): an INT whose own bit layout says how wide it is
          const base = bitfieldBase(r.btf, member.type, name);
          const bits = base.kind === 'INT' ? base.bits : base.size * 8;
          object[member.name] = decodeBits(r, base, offset * 8 + bitOffset, bits, name);
        }
      }
      return object;
    }
    case 'DATASEC': {
      const object: { [name: string]: BtfValue } = {};
      for (const info of type.vars) {
        const name = r.btf.typeName(info.type);
        object[name] = decodeAt(r, info.type, offset + info.offset, memberPath(path, name), depth + 1);
      }
      return object;
    }
    default:
      throw new UsageError(`a ${type.kind} has no value to decode`, {
        location: { typeId: type.id, field: path },
      });
  }
}

type IntegerBase = BtfInt | Extract<BtfType, { kind: 'ENUM' | 'ENUM64' }>;

/** The INT or enum a bitfield member is declared with. */
export function bitfieldBase(btf: Btf, id: number, path: string): IntegerBase {
  const type = valueType(btf, id);
  if (type?.kind === 'INT' || type?.kind === 'ENUM' || type?.kind === 'ENUM64') return type;
  throw new BtfError(`bitfield ${path} is a ${type?.kind ?? 'void'}, not an integer`, {
    location: { typeId: id, field: path },
  });
}

function decodeInt(r: Reader, type: BtfInt, offset: number, path: string): BtfValue {
  checkIntSize(type);
  const value = decodeInteger(r, type.size, type.signed, offset, type.id, path, type.size >= 8);
  return type.bool ? value !== 0 && value !== 0n : value;
}

function decodeInteger(
  r: Reader,
  size: number,
  signed: boolean,
  offset: number,
  typeId: number,
  path: string,
  big: boolean,
): number | bigint {
  needBytes(r.bytes, offset, size, typeId, path);
  const { view, le } = r;
  let value: number | bigint;
  switch (size) {
    case 1:
      value = signed ? view.getInt8(offset) : view.getUint8(offset);
      break;
    case 2:
      value = signed ? view.getInt16(offset, le) : view.getUint16(offset, le);
      break;
    case 4:
      value = signed ? view.getInt32(offset, le) : view.getUint32(offset, le);
      break;
    case 8:
      value = signed ? view.getBigInt64(offset, le) : view.getBigUint64(offset, le);
      break;
    default: {
      const raw = readUnsigned(r.bytes, offset, offset + size, le);
      value = signed ? BigInt.asIntN(size * 8, raw) : raw;
    }
  }
  if (big) return typeof value === 'bigint' ? value : BigInt(value);
  return typeof value === 'bigint' ? Number(value) : value;
}

function decodeBits(r: Reader, base: IntegerBase, bitPos: number, bits: number, path: string): BtfValue {
  const { start, end, shift } = bitfieldSpan(bitPos, bits, r.le);
  needBytes(r.bytes, start, end - start, base.id, path);
  let value = (readUnsigned(r.bytes, start, end, r.le) >> shift) & ((1n << BigInt(bits)) - 1n);
  if (base.signed) value = BigInt.asIntN(bits, value);
  if (base.kind === 'INT' && base.bool) return value !== 0n;
  if (base.kind === 'ENUM64' || (base.kind === 'INT' && base.size >= 8)) return value;
  return Number(value);
}

/** The enumerator name of `value` in enum type `typeId` (typedefs followed), if one has it. */
export function enumName(btf: Btf, typeId: number, value: number | bigint): string | undefined {
  const type = valueType(btf, typeId);
  if (type?.kind === 'ENUM') return type.values.find((entry) => entry.value === Number(value))?.name;
  if (type?.kind === 'ENUM64') return type.values.find((entry) => entry.value === BigInt(value))?.name;
  throw new UsageError(`type ${typeId} is ${type?.kind ?? 'void'}, not an enum`, { location: { typeId } });
}
