import { UsageError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { parseBtf } from './btf.js';
import { fixupDatasecs } from './datasec-fixup.js';
import { decodeValue, enumName } from './decode-value.js';
import { encodeValue } from './encode-value.js';
import { BYTE_ORDERS, loadFixture } from './test-support/elf.js';
import { layoutOf } from './test-support/layout.js';

const expectedEvent = {
  pid: 1234,
  comm: 'bpfkit',
  flags: { a: 1, b: -1, c: 7, d: 1n, e: 9 },
  raw: 0,
  lo: 0x1111,
  hi: 0x2222,
  color: 2,
  delta: -1,
  wide: 0xfedcba9876543210n,
  ratio: 0.5,
  mean: -2.25,
  ptr: 0n,
  opaque: 0n,
  callback: 0n,
  samples: [1n, 2n, 3n, 0xffffffffffffffffn],
  ok: true,
  matrix: [
    [1, 2, 3],
    [-4, -5, -6],
  ],
  big: -2n,
  tagged: 0n,
  marked: 77,
  rp: 0n,
  uopaque: 0n,
  ws: -5n,
};

describe.each(BYTE_ORDERS)('values in btf_kinds.%s.o', (suffix, byteOrder) => {
  const object = loadFixture(`btf_kinds.${suffix}.o`);
  const btf = fixupDatasecs(parseBtf(object.section('.BTF').data), layoutOf(object));
  const dataSec = btf.findOne('.data', 'DATASEC');
  const rodataSec = btf.findOne('.rodata', 'DATASEC');
  const data = object.section('.data').data;
  const rodata = object.section('.rodata').data;
  // the union's raw view depends on the byte order: lo is its first two bytes
  const raw = byteOrder === 'little' ? 0x22221111 : 0x11112222;

  it('decodes the initialised .rodata variables by name', () => {
    expect(decodeValue(btf, rodataSec, rodata)).toEqual({
      config: { port: 80, mac: [1, 2, 3, 4, 5, 6], level: -3, name: 'eth0' },
      threshold: 7,
    });
  });

  it('decodes bitfields as clang laid them out', () => {
    const value = decodeValue(btf, btf.findOne('flags', 'STRUCT'), data.subarray(8, 24));
    expect(value).toEqual({ a: 5, b: -3, c: 0xabcdef, d: 0xfedcba9876n, e: 200 });
  });

  it('decodes every member kind of a struct, anonymous union flattened', () => {
    const value = decodeValue(btf, dataSec, data) as Record<string, unknown>;
    expect(value.counter).toBe(42n);
    expect(value.sample_event).toEqual({ ...expectedEvent, raw });
    expect(enumName(btf, btf.findOne('color', 'ENUM'), 2)).toBe('BLUE');
    expect(enumName(btf, btf.findOne('wide', 'ENUM64'), 0xfedcba9876543210n)).toBe('WIDE_BIG');
  });

  it('encodes decoded values back to the bytes clang wrote', () => {
    for (const [id, bytes] of [
      [dataSec, data],
      [rodataSec, rodata],
    ] as const) {
      const out = new Uint8Array(bytes.length);
      encodeValue(btf, id, decodeValue(btf, id, bytes), out);
      expect(Buffer.from(out).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it('sets one .rodata variable by name and leaves the others', () => {
    const copy = rodata.slice();
    encodeValue(btf, rodataSec, { threshold: 9, config: { name: 'wlan0', level: -7 } }, copy);
    expect(decodeValue(btf, rodataSec, copy)).toEqual({
      config: { port: 80, mac: [1, 2, 3, 4, 5, 6], level: -7, name: 'wlan0' },
      threshold: 9,
    });
  });

  it('writes bitfields without touching their neighbours, and enums by name', () => {
    const flagsId = btf.findOne('flags', 'STRUCT');
    const bytes = data.slice(8, 24);
    encodeValue(btf, flagsId, { b: 15, d: 1n }, bytes);
    expect(decodeValue(btf, flagsId, bytes)).toEqual({ a: 5, b: 15, c: 0xabcdef, d: 1n, e: 200 });
    const event = btf.findOne('event', 'STRUCT');
    const eventBytes = new Uint8Array(240);
    encodeValue(btf, event, { color: 'GREEN', wide: 'WIDE_SMALL' }, eventBytes);
    expect(decodeValue(btf, event, eventBytes)).toMatchObject({ color: 1, wide: 1n });
  });

  it('refuses values out of range or of the wrong shape with the member path', () => {
    const event = btf.findOne('event', 'STRUCT');
    const bytes = new Uint8Array(240);
    const failure = (value: Parameters<typeof encodeValue>[2]) => {
      try {
        encodeValue(btf, event, value, bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as UsageError).location.field;
      }
      throw new Error('expected a UsageError');
    };
    expect(failure({ pid: -1 })).toBe('pid');
    expect(failure({ pid: 2 ** 32 })).toBe('pid');
    expect(failure({ flags: { a: 8 } })).toBe('flags.a');
    expect(failure({ flags: { b: -17 } })).toBe('flags.b');
    expect(failure({ comm: 'x'.repeat(17) })).toBe('comm');
    expect(failure({ samples: [1n, 2n] })).toBe('samples');
    expect(
      failure({
        matrix: [
          [1, 2, 3],
          [4, 5, 'x'],
        ],
      }),
    ).toBe('matrix[1][2]');
    expect(failure({ color: 'PURPLE' })).toBe('color');
    expect(failure({ nope: 1 })).toBe('nope');
    expect(failure({ ratio: 'half' })).toBe('ratio');
    expect(failure(5)).toBe('(value)');
    expect(() => decodeValue(btf, event, new Uint8Array(10))).toThrow(UsageError);
  });
});
