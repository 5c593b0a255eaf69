import { describe, expect, it } from 'vitest';
import { clearMarks, deleteMark, markAt, markTable, setMark } from './mark-table.js';

describe('mark tables', () => {
  it('keeps identities ascending however the marks arrive, a later mark replacing an earlier', () => {
    const table = markTable([
      [4, 'd'],
      [1, 'a'],
      [9, 'x'],
      [4, 'D'],
    ]);
    setMark(table, 6, 'f');
    setMark(table, 0, 'z');
    expect(table).toEqual({ ids: [0, 1, 4, 6, 9], values: ['z', 'a', 'D', 'f', 'x'] });
  });

  it('gives equal tables for equal marks, so specs built in different orders compare equal', () => {
    const forwards = markTable([
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
    const backwards = markTable([
      [3, 30],
      [2, 20],
      [1, 10],
    ]);
    expect(backwards).toEqual(forwards);
    expect(structuredClone(forwards)).toEqual(forwards);
  });

  it('finds, deletes and clears marks by identity', () => {
    const table = markTable([
      [2, 'b'],
      [5, 'e'],
      [7, 'g'],
    ]);
    expect(markAt(table, 5)).toBe('e');
    expect(markAt(table, 3)).toBeUndefined();
    expect(markAt(table, 8)).toBeUndefined();
    expect(deleteMark(table, 5)).toBe('e');
    expect(deleteMark(table, 5)).toBeUndefined();
    expect(table).toEqual({ ids: [2, 7], values: ['b', 'g'] });
    clearMarks(table);
    expect(table).toEqual({ ids: [], values: [] });
    expect(markAt(table, 2)).toBeUndefined();
  });
});
