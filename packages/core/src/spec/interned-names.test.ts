import { describe, expect, it } from 'vitest';
import { decodeInternedName } from './interned-names.js';

/** A string table holding `names`, each NUL-terminated, after a leading NUL (offset 0 is ''). */
function table(names: readonly string[], prefix = 0): { data: Uint8Array; offsets: number[] } {
  const encoded = names.map((n) => new TextEncoder().encode(n));
  const data = new Uint8Array(prefix + 1 + encoded.reduce((sum, e) => sum + e.length + 1, 0));
  const offsets: number[] = [];
  let at = prefix + 1;
  for (const e of encoded) {
    offsets.push(at);
    data.set(e, at);
    at += e.length + 1;
  }
  return { data, offsets };
}

function decodeAll(data: Uint8Array, offsets: readonly number[]): (string | undefined)[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return offsets.map((at) => decodeInternedName(data, view, at));
}

describe('interned string-table names', () => {
  it('decodes names of every length around the four-byte words it scans by', () => {
    const names = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'abcdefg', 'abcdefgh', 'abcdefghi', '.rel.BTF.ext'];
    const { data, offsets } = table(names);
    expect(decodeAll(data, offsets)).toEqual(names);
  });

  it('decodes cached names wherever a later table places them, and tells prefixes apart', () => {
    const first = table(['xdp_stats_map', 'LBB0_12', 'LBB0_1', 'abcd']);
    const second = table(['LBB0_1', 'abcde', 'LBB0_12', 'abc', 'xdp_stats_map', 'abcd'], 3);
    expect(decodeAll(first.data, first.offsets)).toEqual(['xdp_stats_map', 'LBB0_12', 'LBB0_1', 'abcd']);
    expect(decodeAll(second.data, second.offsets)).toEqual([
      'LBB0_1',
      'abcde',
      'LBB0_12',
      'abc',
      'xdp_stats_map',
      'abcd',
    ]);
  });

  it('reads a name that ends exactly at the end of the table', () => {
    const data = Uint8Array.from([0, 0x61, 0x62, 0x63, 0x64, 0x65, 0]);
    expect(decodeAll(data, [1, 3])).toEqual(['abcde', 'cde']);
  });

  it('decodes long and non-ASCII names as UTF-8 without caching them', () => {
    const long = 'n'.repeat(100);
    const { data, offsets } = table([long, 'café', 'ok']);
    expect(decodeAll(data, offsets)).toEqual([long, 'café', 'ok']);
  });

  it('answers undefined for a name with no NUL before the end of the table', () => {
    const short = Uint8Array.from([0, 0x61, 0x62]);
    const long = Uint8Array.from([0, ...new Array(80).fill(0x61)]);
    expect(decodeAll(short, [1])).toEqual([undefined]);
    expect(decodeAll(long, [1])).toEqual([undefined]);
  });

  it('reads through a view of a table that starts inside a larger buffer', () => {
    const { data, offsets } = table(['license', 'version'], 5);
    const inner = data.subarray(5);
    expect(
      decodeAll(
        inner,
        offsets.map((o) => o - 5),
      ),
    ).toEqual(['license', 'version']);
  });

  it("reads through a view of the whole buffer, from the table's byteOffset", () => {
    const { data, offsets } = table(['license', 'version', 'a_longer_name_of_some_words'], 5);
    const inner = data.subarray(5);
    const whole = new DataView(data.buffer);
    const decoded = offsets.map((o) => decodeInternedName(inner, whole, o - 5, inner.byteOffset));
    expect(decoded).toEqual(['license', 'version', 'a_longer_name_of_some_words']);
  });
});

describe('the interned-name cache under eviction', () => {
  it('decodes every name right after far more names than the cache holds have passed through it', () => {
    // 40,000 names of 1 to 40 bytes: many share a set, and most are evicted before they come back
    const names = Array.from({ length: 40_000 }, (_, i) => `${'v'.repeat(i % 37)}${i.toString(36)}`);
    const { data, offsets } = table(names);
    expect(decodeAll(data, offsets)).toEqual(names);
    expect(decodeAll(data, offsets.slice().reverse())).toEqual(names.slice().reverse());
  });

  it('tells apart names of one length that differ only in their last word or byte', () => {
    const names = ['map_counter_a', 'map_counter_b', 'map_counter_', 'map_countex_a', 'xap_counter_a'];
    const { data, offsets } = table(names);
    for (let round = 0; round < 3; round++) expect(decodeAll(data, offsets)).toEqual(names);
  });
});
