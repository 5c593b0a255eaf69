import { BtfError, isBpfkitError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { parseBtf } from './btf.js';
import { BtfBuilder } from './builder.js';
import { BtfKindNumber as K } from './constants.js';

/** Little-endian BTF from raw type words and a string table ("\0int\0" style). */
function rawBtf(words: number[], strings = '\0int\0', patch?: (view: DataView) => void): Uint8Array {
  const str = new TextEncoder().encode(strings);
  const out = new Uint8Array(24 + words.length * 4 + str.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xeb9f, true);
  out[2] = 1;
  view.setUint32(4, 24, true);
  view.setUint32(12, words.length * 4, true);
  view.setUint32(16, words.length * 4, true);
  view.setUint32(20, str.length, true);
  words.forEach((word, i) => {
    view.setUint32(24 + i * 4, word >>> 0, true);
  });
  out.set(str, 24 + words.length * 4);
  patch?.(view);
  return out;
}

const info = (kind: number, vlen = 0, kindFlag = false) =>
  ((kindFlag ? 0x80000000 : 0) | (kind << 24) | vlen) >>> 0;
const INT32 = [1, info(K.INT), 4, 32];

function btfError(run: () => unknown): BtfError {
  try {
    run();
  } catch (error) {
    expect(isBpfkitError(error)).toBe(true);
    expect(error).toBeInstanceOf(BtfError);
    return error as BtfError;
  }
  throw new Error('expected a BtfError');
}

describe('malformed BTF', () => {
  it('parses the well-formed base case', () => {
    expect(parseBtf(rawBtf(INT32)).typeById(1)).toMatchObject({
      kind: 'INT',
      name: 'int',
      size: 4,
      bits: 32,
    });
  });

  it('refuses a truncated header', () => {
    expect(btfError(() => parseBtf(rawBtf(INT32).subarray(0, 6))).location).toMatchObject({ byteOffset: 0 });
    expect(btfError(() => parseBtf(rawBtf(INT32).subarray(0, 20))).location).toMatchObject({
      field: 'hdr_len',
    });
  });

  it('refuses a bad magic and an unknown version', () => {
    const badMagic = rawBtf(INT32, undefined, (v) => v.setUint16(0, 0x1234, true));
    expect(btfError(() => parseBtf(badMagic)).location).toMatchObject({ field: 'magic', byteOffset: 0 });
    const badVersion = rawBtf(INT32, undefined, (v) => v.setUint8(2, 2));
    expect(btfError(() => parseBtf(badVersion)).location).toMatchObject({ field: 'version' });
  });

  it('refuses sections that run past the data, whatever lengths the header claims', () => {
    const hugeTypes = rawBtf(INT32, undefined, (v) => v.setUint32(12, 0xfffffff0, true));
    expect(btfError(() => parseBtf(hugeTypes)).location).toMatchObject({ field: 'type_len' });
    const hugeStrings = rawBtf(INT32, undefined, (v) => v.setUint32(20, 0x7fffffff, true));
    expect(btfError(() => parseBtf(hugeStrings)).location).toMatchObject({ field: 'str_len' });
    const hugeHeader = rawBtf(INT32, undefined, (v) => v.setUint32(4, 0xffffffff, true));
    expect(btfError(() => parseBtf(hugeHeader)).location).toMatchObject({ field: 'hdr_len' });
  });

  it('refuses a type section that ends inside a type', () => {
    const error = btfError(() => parseBtf(rawBtf([...INT32, 0, info(K.PTR)], '\0int\0')));
    expect(error.location).toMatchObject({ typeId: 2, field: 'btf_type', byteOffset: 24 + 16 });
  });

  it('refuses vlen records that run past the type section', () => {
    const error = btfError(() => parseBtf(rawBtf([...INT32, 0, info(K.STRUCT, 1000), 8, 0, 1, 0])));
    expect(error.location).toMatchObject({ typeId: 2, field: 'info.vlen', byteOffset: 24 + 20 });
  });

  it('refuses an unknown kind', () => {
    const error = btfError(() => parseBtf(rawBtf([...INT32, 0, info(25), 0])));
    expect(error.location).toMatchObject({ typeId: 2, field: 'info.kind', byteOffset: 24 + 20 });
    expect(error.hint).toMatch(/newer compiler/);
  });

  it('refuses name offsets past the string table', () => {
    const error = btfError(() => parseBtf(rawBtf([...INT32, 999, info(K.PTR), 1])));
    expect(error.location).toMatchObject({ typeId: 2, field: 'name_off', byteOffset: 24 + 16 });
    const member = btfError(() => parseBtf(rawBtf([...INT32, 0, info(K.STRUCT, 1), 4, 500, 1, 0])));
    expect(member.location).toMatchObject({ typeId: 2, field: 'name_off', byteOffset: 24 + 28 });
  });

  it('refuses references to types past the last one, at parse or, unvalidated, at decode', () => {
    const bytes = rawBtf([...INT32, 0, info(K.PTR), 1, 0, info(K.STRUCT, 1), 4, 1, 7, 0]);
    const error = btfError(() => parseBtf(bytes));
    expect(error.location).toMatchObject({ typeId: 3, field: 'type', byteOffset: 24 + 44 });
    const lazy = parseBtf(bytes, { validate: false });
    expect(lazy.typeById(2)).toMatchObject({ kind: 'PTR', type: 1 });
    expect(btfError(() => lazy.typeById(3)).location).toMatchObject({ typeId: 3, field: 'members[0].type' });
  });

  it('refuses a string table without its leading empty string or trailing NUL', () => {
    expect(btfError(() => parseBtf(rawBtf(INT32, 'x\0int\0'))).location).toMatchObject({ field: 'str_off' });
    expect(btfError(() => parseBtf(rawBtf(INT32, '\0int'))).location).toMatchObject({ field: 'str_len' });
  });

  it('refuses unknown linkage', () => {
    const func = rawBtf([...INT32, 1, info(K.FUNC_PROTO), 1, 1, info(K.FUNC, 7), 2]);
    expect(btfError(() => parseBtf(func)).location).toMatchObject({ typeId: 3, field: 'info.vlen' });
    const variable = rawBtf([...INT32, 1, info(K.VAR), 1, 9]);
    expect(btfError(() => parseBtf(variable)).location).toMatchObject({ typeId: 2, field: 'linkage' });
  });

  it('does not allocate for a type count the data cannot hold', () => {
    // 0xffff members claimed by a 12-byte struct: rejected from the bytes, not by allocating
    const error = btfError(() => parseBtf(rawBtf([0, info(K.STRUCT, 0xffff), 0])));
    expect(error.location.field).toBe('info.vlen');
  });
});

describe('loops in the type graph', () => {
  // typedef A -> typedef B -> A: not something a compiler emits, but BTF can say it
  const b = new BtfBuilder();
  b.add({ kind: 'TYPEDEF', name: 'A', type: 2 });
  b.add({ kind: 'TYPEDEF', name: 'B', type: 1 });
  b.add({ kind: 'PTR', name: '', type: 1 });
  b.add({ kind: 'CONST', name: '', type: 5 });
  b.add({ kind: 'VOLATILE', name: '', type: 4 });
  const btf = b.build();

  it('stops resolveSize with a BtfError instead of looping', () => {
    expect(btfError(() => btf.resolveSize(1)).message).toMatch(/longer than 32 links/);
    expect(btfError(() => btf.resolveSize(4)).location.typeId).toBeGreaterThan(0);
  });

  it('stops skipModsAndTypedefs and formatType as well', () => {
    btfError(() => btf.skipModsAndTypedefs(2));
    // a typedef prints as its name, so a pointer to the loop is still printable
    expect(btf.formatType(3)).toBe('A *');
    btfError(() => btf.formatType(5));
  });
});
