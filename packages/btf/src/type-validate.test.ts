import { existsSync, readFileSync } from 'node:fs';
import { BtfError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { parseBtf } from './btf.js';
import { BtfKindNumber as K } from './constants.js';
import { RECORD_LAYOUT } from './type-records.js';
import { indexAndValidateTypes, primeValidationWalk, sampleOfEveryKind } from './type-validate.js';

/** Little-endian BTF from raw type words, with the string table "\0int\0". */
function rawBtf(words: number[]): Uint8Array {
  const strings = new TextEncoder().encode('\0int\0');
  const out = new Uint8Array(24 + words.length * 4 + strings.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xeb9f, true);
  out[2] = 1;
  view.setUint32(4, 24, true);
  view.setUint32(12, words.length * 4, true);
  view.setUint32(16, words.length * 4, true);
  view.setUint32(20, strings.length, true);
  words.forEach((word, i) => {
    view.setUint32(24 + i * 4, word >>> 0, true);
  });
  out.set(strings, 24 + words.length * 4);
  return out;
}

const info = (kind: number, vlen = 0) => ((kind << 24) | vlen) >>> 0;
const INT32 = [1, info(K.INT), 4, 32];
/** byte offset of type-section word `word` in rawBtf's output */
const at = (word: number) => 24 + word * 4;

function parseError(bytes: Uint8Array): BtfError {
  try {
    parseBtf(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(BtfError);
    return error as BtfError;
  }
  throw new Error('expected a BtfError');
}

describe('validating parse', () => {
  it('reports the largest bad reference where it first appears', () => {
    // PTR -> 7, STRUCT with members -> 9 and -> 9 again: the first 9 is reported
    const words = [...INT32, 0, info(K.PTR), 7, 0, info(K.STRUCT, 2), 8, 1, 9, 0, 1, 9, 32];
    const error = parseError(rawBtf(words));
    expect(error.message).toBe('type 3 refers to type 9, but the last type is 3');
    expect(error.location).toMatchObject({ typeId: 3, field: 'type', byteOffset: at(11) });
  });

  it('checks the return and parameter types of a FUNC_PROTO, the types of an ARRAY and a DATASEC', () => {
    const proto = [...INT32, 0, info(K.FUNC_PROTO, 2), 1, 1, 1, 1, 5];
    expect(parseError(rawBtf(proto)).location).toMatchObject({ typeId: 2, byteOffset: at(10) });
    const returns = [...INT32, 0, info(K.FUNC_PROTO, 1), 6, 1, 6];
    expect(parseError(rawBtf(returns)).location).toMatchObject({ typeId: 2, byteOffset: at(6) });
    const array = [...INT32, 0, info(K.ARRAY), 0, 1, 4, 2];
    expect(parseError(rawBtf(array)).location).toMatchObject({ typeId: 2, byteOffset: at(8) });
    const datasec = [...INT32, 1, info(K.DATASEC, 2), 8, 1, 0, 4, 3, 4, 4];
    expect(parseError(rawBtf(datasec)).location).toMatchObject({ typeId: 2, byteOffset: at(10) });
  });

  it('reports a bad name anywhere before a bad reference', () => {
    // type 2 refers past the end, type 3's enum value name is past the string table
    const words = [...INT32, 0, info(K.PTR), 9, 0, info(K.ENUM64, 1), 8, 700, 1, 0];
    const error = parseError(rawBtf(words));
    expect(error.location).toMatchObject({ typeId: 3, field: 'name_off', byteOffset: at(10) });
  });

  it('checks DECL_TAG references and VAR linkage after a mix of kinds', () => {
    const tag = [...INT32, 1, info(K.DECL_TAG), 3, 0xffffffff];
    expect(parseError(rawBtf(tag)).location).toMatchObject({ typeId: 2, field: 'type', byteOffset: at(6) });
    const variable = [...INT32, 0, info(K.CONST), 1, 1, info(K.VAR), 2, 3];
    expect(parseError(rawBtf(variable)).location).toMatchObject({ typeId: 3, field: 'linkage' });
  });

  it('catches every name offset past the table, however large, with one sign test', () => {
    // members named at 2^31 + 1, at 2^32 - 1, and at the first offset past the 5-byte table
    for (const name of [0x8000_0001, 0xffff_ffff, 5]) {
      const words = [...INT32, 0, info(K.STRUCT, 1), 4, name, 1, 0];
      expect(parseError(rawBtf(words)).location).toMatchObject({
        typeId: 2,
        field: 'name_off',
        byteOffset: at(7),
      });
    }
    expect(parseBtf(rawBtf([...INT32, 0, info(K.STRUCT, 1), 4, 4, 1, 0])).typeName(1)).toBe('int');
  });

  it('takes the checked walk for a string table past 2 GiB, where the sign test would not hold', () => {
    const words = new Uint32Array([...INT32, 0, info(K.STRUCT, 1), 4, 0x9000_0000, 1, 0]);
    const place = { typeStart: 24, firstId: 1, stringsLength: 0xa000_0000, validate: true };
    expect(indexAndValidateTypes(words, new Uint32Array(4), place)).toBe(2);
    const tooFar = { ...place, stringsLength: 0x9000_0000 };
    expect(() => indexAndValidateTypes(words, new Uint32Array(4), tooFar)).toThrow(/past the string table/);
  });

  it('leaves names and references to decoding when validate is false, but not kinds or bounds', () => {
    const lazy = parseBtf(rawBtf([...INT32, 999, info(K.PTR), 9]), { validate: false });
    expect(lazy.typeCount).toBe(2);
    expect(() => parseBtf(rawBtf([...INT32, 0, info(24), 0]), { validate: false })).toThrow(
      /unknown BTF kind 24/,
    );
  });
});

const VMLINUX = '/sys/kernel/btf/vmlinux';
const haveVmlinux = existsSync(VMLINUX);
if (!haveVmlinux && process.env.BPFKIT_REQUIRE_KERNEL === '1') {
  throw new Error(`the vmlinux parse test needs ${VMLINUX}`);
}

describe.skipIf(!haveVmlinux)('vmlinux (needs /sys/kernel/btf/vmlinux)', () => {
  it('indexes the same types with and without validation', () => {
    const bytes = readFileSync(VMLINUX);
    const checked = parseBtf(bytes);
    const structural = parseBtf(bytes, { validate: false });
    expect(structural.typeCount).toBe(checked.typeCount);
    expect(checked.typeCount).toBeGreaterThan(1000);
    for (const id of [1, checked.typeCount >> 1, checked.typeCount]) {
      expect(structural.recordOffset(id)).toBe(checked.recordOffset(id));
    }
  });
});

describe('the walk primed before a long section', () => {
  it('primes on a valid sample holding one record of every known kind', () => {
    const { words, place } = sampleOfEveryKind();
    const known = RECORD_LAYOUT.filter((layout) => layout !== 0).length;
    expect(indexAndValidateTypes(words, new Uint32Array(words.length), place)).toBe(known);
    const btf = parseBtf(rawBtf([...words]));
    expect(new Set([...btf.types()].map((t) => t.kind)).size).toBe(known);
    expect(() => primeValidationWalk()).not.toThrow();
  });
});
