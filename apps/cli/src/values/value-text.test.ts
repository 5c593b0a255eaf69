import { describe, expect, it } from 'vitest';
import { hexBytes, jsonValue, valueText } from './value-text.js';

describe('value text', () => {
  it('prints struct members as name=value with nested structs in braces', () => {
    expect(valueText({ pid: 7, comm: 'true', key: { a: 1, b: [2n, 3n] } })).toBe(
      'pid=7 comm=true key={a=1 b=[2, 3]}',
    );
  });

  it('quotes strings that would be ambiguous on the line', () => {
    expect(valueText({ comm: 'a b', name: '', eq: 'x=y' })).toBe('comm="a b" name="" eq="x=y"');
  });

  it('turns bigints into decimal strings for JSON, deep inside values too', () => {
    expect(JSON.stringify(jsonValue({ seq: 18446744073709551615n, list: [1n] }))).toBe(
      '{"seq":"18446744073709551615","list":["1"]}',
    );
  });

  it('prints bytes as two-digit hex separated by spaces', () => {
    expect(hexBytes(new Uint8Array([1, 0, 0xab]))).toBe('01 00 ab');
  });
});
