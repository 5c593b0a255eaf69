import { BtfError, UsageError } from '@bpfkit/core';
import type { Btf } from './btf.js';
import { POINTER_SIZE } from './constants.js';
import { type BtfValue, bitfieldBase } from './decode-value.js';
import type { ByteOrder } from './header.js';
import { resolveSize } from './resolve.js';
import type { BtfType } from './types.js';
import {
  bitfieldSpan,
  flattenMembers,
  isCharElement,
  memberPath,
  needBytes,
  readUnsigned,
  valueType,
  writeUnsigned,
} from './value-common.js';

const MAX_NESTING = 64;

interface Writer {
  btf: Btf;
  bytes: Uint8Array;
  view: DataView;
  le: boolean;
}

const utf8 = new TextEncoder();

function shapeError(message: string, typeId: number, path: string, hint?: string): UsageError {
  const location = { typeId, field: path || '(value)' };
  return new UsageError(message, hint === undefined ? { location } : { location, hint });
}

function isPlainObject(value: unknown): value is { [name: string]: BtfValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/**
 * Writes `value` into `bytes` as BTF type `typeId` lays it out: the reverse of decodeValue. Struct
 * and DATASEC members missing from an object keep the bytes they had, so setting one variable of
 * .rodata touches only that variable. Values out of range, unknown member names, arrays of the
 * wrong length and strings too long for their char[N] throw UsageError naming the member path.
 */
export function encodeValue(
  btf: Btf,
  typeId: number,
  value: BtfValue,
  bytes: Uint8Array,
  byteOrder: ByteOrder = btf.byteOrder,
): void {
  needBytes(bytes, 0, resolveSize(btf, typeId), typeId, '');
  const writer: Writer = {
    btf,
    bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    le: byteOrder === 'little',
  };
  encodeAt(writer, typeId, value, 0, '', 0);
}

function encodeAt(w: Writer, id: number, value: BtfValue, offset: number, path: string, depth: number): void {
  if (depth > MAX_NESTING) {
    throw new BtfError(`values nest deeper than ${MAX_NESTING} levels (a struct containing itself?)`, {
      location: { typeId: id, field: path },
    });
  }
  const type = valueType(w.btf, id);
  if (!type) throw shapeError('cannot write a void value', id, path);
  switch (type.kind) {
    case 'INT':
      if (type.bitOffset !== 0 || type.bits !== type.size * 8) {
        writeBits(w, type, value, offset * 8 + type.bitOffset, type.bits, path);
        return;
      }
      if (type.bool && typeof value === 'boolean') {
        writeInteger(w, type.size, false, value ? 1n : 0n, offset, type.id, path);
        return;
      }
      writeInteger(w, type.size, type.signed, integerOf(value, type.id, path), offset, type.id, path);
      return;
    case 'PTR':
      writeInteger(w, POINTER_SIZE, false, integerOf(value, type.id, path), offset, type.id, path);
      return;
    case 'ENUM':
    case 'ENUM64':
      writeInteger(w, type.size, type.signed, enumValueOf(type, value, path), offset, type.id, path);
      return;
    case 'FLOAT':
      if (typeof value !== 'number') throw shapeError(`${path || 'value'} must be a number`, type.id, path);
      needBytes(w.bytes, offset, type.size, type.id, path);
      if (type.size === 4) w.view.setFloat32(offset, value, w.le);
      else if (type.size === 8) w.view.setFloat64(offset, value, w.le);
      else throw shapeError(`${type.size}-byte floats cannot be encoded`, type.id, path);
      return;
    case 'ARRAY':
      encodeArray(w, type, value, offset, path, depth);
      return;
    case 'STRUCT':
    case 'UNION':
      encodeStruct(w, type, value, offset, path, depth);
      return;
    case 'DATASEC': {
      if (!isPlainObject(value)) throw shapeError(`${path || 'value'} must be an object`, type.id, path);
      for (const [name, field] of Object.entries(value)) {
        const info = type.vars.find((entry) => w.btf.typeName(entry.type) === name);
        if (!info) {
          const names = type.vars.map((entry) => w.btf.typeName(entry.type)).join(', ');
          throw shapeError(
            `section ${type.name} has no variable '${name}'`,
            type.id,
            memberPath(path, name),
            `variables: ${names}`,
          );
        }
        encodeAt(w, info.type, field, offset + info.offset, memberPath(path, name), depth + 1);
      }
      return;
    }
    default:
      throw shapeError(`a ${type.kind} has no value to encode`, type.id, path);
  }
}

function encodeArray(
  w: Writer,
  type: Extract<BtfType, { kind: 'ARRAY' }>,
  value: BtfValue,
  offset: number,
  path: string,
  depth: number,
): void {
  if (typeof value === 'string' && isCharElement(w.btf, type.type)) {
    const encoded = utf8.encode(value);
    if (encoded.length > type.length) {
      throw shapeError(`string of ${encoded.length} bytes does not fit char[${type.length}]`, type.id, path);
    }
    needBytes(w.bytes, offset, type.length, type.id, path);
    w.bytes.fill(0, offset, offset + type.length);
    w.bytes.set(encoded, offset);
    return;
  }
  if (!Array.isArray(value)) {
    throw shapeError(`${path || 'value'} must be an array of ${type.length}`, type.id, path);
  }
  if (value.length !== type.length) {
    throw shapeError(
      `${path || 'value'} has ${value.length} elements, the array holds ${type.length}`,
      type.id,
      path,
    );
  }
  const elementSize = resolveSize(w.btf, type.type);
  for (let i = 0; i < value.length; i++) {
    encodeAt(w, type.type, value[i]!, offset + i * elementSize, `${path}[${i}]`, depth + 1);
  }
}

function encodeStruct(
  w: Writer,
  type: Extract<BtfType, { kind: 'STRUCT' | 'UNION' }>,
  value: BtfValue,
  offset: number,
  path: string,
  depth: number,
): void {
  if (!isPlainObject(value)) throw shapeError(`${path || 'value'} must be an object`, type.id, path);
  const flat = flattenMembers(w.btf, type.members);
  for (const [name, field] of Object.entries(value)) {
    const found = flat.find((entry) => entry.member.name === name);
    const fieldPath = memberPath(path, name);
    if (!found) {
      const names = flat.map((entry) => entry.member.name).join(', ');
      throw shapeError(
        `${type.kind.toLowerCase()} ${type.name || '{...}'} has no member '${name}'`,
        type.id,
        fieldPath,
        `members: ${names}`,
      );
    }
    const { member, bitOffset } = found;
    if (member.bitfieldSize > 0) {
      writeBits(
        w,
        bitfieldBase(w.btf, member.type, fieldPath),
        field,
        offset * 8 + bitOffset,
        member.bitfieldSize,
        fieldPath,
      );
    } else if (bitOffset % 8 === 0) {
      encodeAt(w, member.type, field, offset + bitOffset / 8, fieldPath, depth + 1);
    } else {
      const base = bitfieldBase(w.btf, member.type, fieldPath);
      const bits = base.kind === 'INT' ? base.bits : base.size * 8;
      writeBits(w, base, field, offset * 8 + bitOffset, bits, fieldPath);
    }
  }
}

function integerOf(value: BtfValue, typeId: number, path: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'boolean') return value ? 1n : 0n;
  throw shapeError(
    `${path || 'value'} must be an integer, got ${JSON.stringify(String(value))}`,
    typeId,
    path,
  );
}

function enumValueOf(
  type: Extract<BtfType, { kind: 'ENUM' | 'ENUM64' }>,
  value: BtfValue,
  path: string,
): bigint {
  if (typeof value !== 'string') return integerOf(value, type.id, path);
  const entry = type.values.find((candidate) => candidate.name === value);
  if (!entry) {
    throw shapeError(
      `enum ${type.name || '{...}'} has no value '${value}'`,
      type.id,
      path,
      `values: ${type.values.map((v) => v.name).join(', ')}`,
    );
  }
  return BigInt(entry.value);
}

function checkRange(value: bigint, bits: number, signed: boolean, typeId: number, path: string): void {
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  if (value < min || value > max) {
    throw shapeError(
      `${path || 'value'} = ${value} is outside ${signed ? 'signed' : 'unsigned'} ${bits}-bit range ${min}..${max}`,
      typeId,
      path,
    );
  }
}

function writeInteger(
  w: Writer,
  size: number,
  signed: boolean,
  value: bigint,
  offset: number,
  typeId: number,
  path: string,
): void {
  checkRange(value, size * 8, signed, typeId, path);
  needBytes(w.bytes, offset, size, typeId, path);
  writeUnsigned(w.bytes, offset, offset + size, w.le, BigInt.asUintN(size * 8, value));
}

function writeBits(
  w: Writer,
  base: Extract<BtfType, { kind: 'INT' | 'ENUM' | 'ENUM64' }>,
  value: BtfValue,
  bitPos: number,
  bits: number,
  path: string,
): void {
  const number = base.kind === 'INT' ? integerOf(value, base.id, path) : enumValueOf(base, value, path);
  checkRange(number, bits, base.signed, base.id, path);
  const { start, end, shift } = bitfieldSpan(bitPos, bits, w.le);
  needBytes(w.bytes, start, end - start, base.id, path);
  const mask = ((1n << BigInt(bits)) - 1n) << shift;
  const old = readUnsigned(w.bytes, start, end, w.le);
  const updated = (old & ~mask) | ((BigInt.asUintN(bits, number) << shift) & mask);
  writeUnsigned(w.bytes, start, end, w.le, updated);
}
