import { UsageError } from '@bpfkit/core';
import { type Btf, parseBtf } from './btf.js';
import {
  BTF_HEADER_SIZE,
  BTF_INT_BOOL,
  BTF_INT_CHAR,
  BTF_INT_SIGNED,
  BTF_MAGIC,
  BTF_TYPE_SIZE,
  BTF_VERSION,
  BtfKindNumber,
  extraBytes,
  LINKAGE_NAMES,
} from './constants.js';
import type { ByteOrder } from './header.js';
import { StringTableBuilder } from './strings.js';
import type { BtfTypeDef } from './types.js';

export interface BtfBuilderOptions {
  byteOrder?: ByteOrder;
  /** header flags byte to write (0 unless copying BTF that set it) */
  flags?: number;
  /** an existing string section to start from; its offsets stay valid (offset 0 must be '') */
  strings?: Uint8Array;
}

function vlenOf(type: BtfTypeDef): number {
  switch (type.kind) {
    case 'STRUCT':
    case 'UNION':
      return type.members.length;
    case 'ENUM':
    case 'ENUM64':
      return type.values.length;
    case 'FUNC_PROTO':
      return type.params.length;
    case 'DATASEC':
      return type.vars.length;
    case 'FUNC':
      return LINKAGE_NAMES.indexOf(type.linkage);
    default:
      return 0;
  }
}

/**
 * BTF under construction: a list of type definitions and a string table. Types are plain objects
 * (BtfTypeDef) that may be edited in place through `type(id)` until `encode`. This is the mutable
 * form that fixupDatasecs and sanitizeBtf work on; parse → from → encode reproduces the bytes.
 */
export class BtfBuilder {
  readonly byteOrder: ByteOrder;
  readonly flags: number;
  readonly #types: BtfTypeDef[] = [];
  readonly #strings: StringTableBuilder;

  constructor(options: BtfBuilderOptions = {}) {
    this.byteOrder = options.byteOrder ?? 'little';
    this.flags = options.flags ?? 0;
    this.#strings = new StringTableBuilder(options.strings);
  }

  /** A builder holding every type of `btf`, with its string table kept as it is. */
  static from(btf: Btf): BtfBuilder {
    if (btf.base) {
      throw new UsageError('split BTF cannot be rebuilt yet', { hint: 'rebuild the base BTF instead' });
    }
    const builder = new BtfBuilder({
      byteOrder: btf.byteOrder,
      flags: btf.header.flags,
      strings: btf.stringBytes,
    });
    for (const type of btf.types()) {
      const { id: _id, ...definition } = type;
      builder.#types.push(definition as BtfTypeDef);
    }
    return builder;
  }

  /** The highest type id so far. */
  get typeCount(): number {
    return this.#types.length;
  }

  /** Adds a type and returns its id. */
  add(type: BtfTypeDef): number {
    this.#types.push(type);
    return this.#types.length;
  }

  /** Adds a string to the string table and returns its offset (to refer to from .BTF.ext). */
  addString(text: string): number {
    return this.#strings.add(text);
  }

  /** The live definition of type `id`: edits to it are encoded. */
  type(id: number): BtfTypeDef {
    const type = this.#types[id - 1];
    if (type === undefined)
      throw new UsageError(`no type ${id} in the builder`, { location: { typeId: id } });
    return type;
  }

  replace(id: number, type: BtfTypeDef): void {
    this.type(id);
    this.#types[id - 1] = type;
  }

  /** Every definition with its id, in id order. */
  *entries(): IterableIterator<[number, BtfTypeDef]> {
    for (let i = 0; i < this.#types.length; i++) yield [i + 1, this.#types[i]!];
  }

  /** Adds an INT with the usual layout (no bit offset, size * 8 bits). */
  addInt(
    name: string,
    size: number,
    options: { signed?: boolean; char?: boolean; bool?: boolean } = {},
  ): number {
    return this.add({
      kind: 'INT',
      name,
      size,
      signed: options.signed ?? false,
      char: options.char ?? false,
      bool: options.bool ?? false,
      bitOffset: 0,
      bits: size * 8,
    });
  }

  /** Writes the .BTF bytes: header, then types, then strings (the layout clang and pahole use). */
  encode(byteOrder: ByteOrder = this.byteOrder): Uint8Array {
    // Names first, so the string table is final before sizes are computed.
    const names = this.#types.map((type) => this.#internNames(type));
    let typeLen = 0;
    for (const type of this.#types)
      typeLen += BTF_TYPE_SIZE + extraBytes(BtfKindNumber[type.kind], vlenOf(type));
    const strings = this.#strings.bytes();
    const out = new Uint8Array(BTF_HEADER_SIZE + typeLen + strings.length);
    const view = new DataView(out.buffer);
    const le = byteOrder === 'little';
    view.setUint16(0, BTF_MAGIC, le);
    out[2] = BTF_VERSION;
    out[3] = this.flags;
    view.setUint32(4, BTF_HEADER_SIZE, le);
    view.setUint32(8, 0, le);
    view.setUint32(12, typeLen, le);
    view.setUint32(16, typeLen, le);
    view.setUint32(20, strings.length, le);
    let pos = BTF_HEADER_SIZE;
    for (let i = 0; i < this.#types.length; i++) {
      pos = writeType(view, le, pos, this.#types[i]!, names[i]!, i + 1);
    }
    out.set(strings, pos);
    return out;
  }

  /** Encodes and parses back: a Btf to query. */
  build(byteOrder: ByteOrder = this.byteOrder): Btf {
    return parseBtf(this.encode(byteOrder));
  }

  /** String offsets for a type's own name and its records' names, in record order. */
  #internNames(type: BtfTypeDef): number[] {
    const offsets = [this.#strings.add(type.name)];
    switch (type.kind) {
      case 'STRUCT':
      case 'UNION':
        for (const member of type.members) offsets.push(this.#strings.add(member.name));
        break;
      case 'ENUM':
      case 'ENUM64':
        for (const value of type.values) offsets.push(this.#strings.add(value.name));
        break;
      case 'FUNC_PROTO':
        for (const param of type.params) offsets.push(this.#strings.add(param.name));
        break;
      default:
        break;
    }
    return offsets;
  }
}

function u32(value: number, id: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new UsageError(`${field} ${value} is not a 32-bit unsigned integer`, {
      location: { typeId: id, field },
    });
  }
  return value;
}

function writeType(
  view: DataView,
  le: boolean,
  start: number,
  type: BtfTypeDef,
  names: number[],
  id: number,
): number {
  const vlen = vlenOf(type);
  if (vlen < 0 || vlen > 0xffff) {
    throw new UsageError(`${type.kind} has ${vlen} records, more than vlen holds`, {
      location: { typeId: id, field: 'vlen' },
    });
  }
  let kindFlag = false;
  let sizeOrType = 0;
  let pos = start + BTF_TYPE_SIZE;
  const put = (value: number, field: string) => {
    view.setUint32(pos, u32(value, id, field), le);
    pos += 4;
  };
  switch (type.kind) {
    case 'INT': {
      sizeOrType = type.size;
      const encoding =
        (type.signed ? BTF_INT_SIGNED : 0) | (type.char ? BTF_INT_CHAR : 0) | (type.bool ? BTF_INT_BOOL : 0);
      put(((encoding << 24) | ((type.bitOffset & 0xff) << 16) | (type.bits & 0xff)) >>> 0, 'int encoding');
      break;
    }
    case 'PTR':
    case 'TYPEDEF':
    case 'VOLATILE':
    case 'CONST':
    case 'RESTRICT':
    case 'TYPE_TAG':
    case 'FUNC':
      sizeOrType = type.type;
      kindFlag = type.kind === 'TYPE_TAG' && type.attribute === true;
      break;
    case 'ARRAY':
      put(type.type, 'type');
      put(type.indexType, 'index_type');
      put(type.length, 'nelems');
      break;
    case 'STRUCT':
    case 'UNION':
      sizeOrType = type.size;
      kindFlag = type.bitfieldOffsets || type.members.some((member) => member.bitfieldSize > 0);
      type.members.forEach((member, index) => {
        put(names[index + 1]!, 'name_off');
        put(member.type, 'type');
        if (kindFlag && (member.bitOffset > 0xffffff || member.bitfieldSize > 0xff)) {
          throw new UsageError(
            `member ${member.name} offset or bitfield size does not fit kind_flag encoding`,
            {
              location: { typeId: id, field: `members[${index}]` },
            },
          );
        }
        put(kindFlag ? ((member.bitfieldSize << 24) | member.bitOffset) >>> 0 : member.bitOffset, 'offset');
      });
      break;
    case 'ENUM':
      sizeOrType = type.size;
      kindFlag = type.signed;
      type.values.forEach((value, index) => {
        if (!Number.isInteger(value.value) || value.value < -0x80000000 || value.value > 0xffffffff) {
          throw new UsageError(`enumerator ${value.name} = ${value.value} does not fit 32 bits`, {
            location: { typeId: id, field: `values[${index}]` },
          });
        }
        put(names[index + 1]!, 'name_off');
        put(value.value >>> 0, 'val');
      });
      break;
    case 'ENUM64':
      sizeOrType = type.size;
      kindFlag = type.signed;
      type.values.forEach((value, index) => {
        const raw = BigInt.asUintN(64, value.value);
        put(names[index + 1]!, 'name_off');
        put(Number(raw & 0xffffffffn), 'val_lo32');
        put(Number(raw >> 32n), 'val_hi32');
      });
      break;
    case 'FWD':
      kindFlag = type.fwdKind === 'union';
      break;
    case 'FUNC_PROTO':
      sizeOrType = type.returnType;
      type.params.forEach((param, index) => {
        put(names[index + 1]!, 'name_off');
        put(param.type, 'type');
      });
      break;
    case 'VAR':
      sizeOrType = type.type;
      put(LINKAGE_NAMES.indexOf(type.linkage), 'linkage');
      break;
    case 'DATASEC':
      sizeOrType = type.size;
      for (const info of type.vars) {
        put(info.type, 'type');
        put(info.offset, 'offset');
        put(info.size, 'size');
      }
      break;
    case 'FLOAT':
      sizeOrType = type.size;
      break;
    case 'DECL_TAG':
      sizeOrType = type.type;
      kindFlag = type.attribute === true;
      put(type.componentIdx >>> 0, 'component_idx');
      break;
  }
  view.setUint32(start, u32(names[0]!, id, 'name_off'), le);
  view.setUint32(
    start + 4,
    ((kindFlag ? 0x80000000 : 0) | (BtfKindNumber[type.kind] << 24) | vlen) >>> 0,
    le,
  );
  view.setUint32(start + 8, u32(sizeOrType, id, 'size/type'), le);
  return pos;
}

/** Encodes BTF (a parsed Btf or a builder) to .BTF bytes in the given byte order. */
export function encodeBtf(source: Btf | BtfBuilder, byteOrder?: ByteOrder): Uint8Array {
  const builder = source instanceof BtfBuilder ? source : BtfBuilder.from(source);
  return builder.encode(byteOrder ?? builder.byteOrder);
}
