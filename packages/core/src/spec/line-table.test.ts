import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import {
  clearLines,
  deleteLine,
  LINE_MARK_WORDS,
  lineAt,
  lineCount,
  lineEntries,
  lineTable,
  setLine,
} from './line-table.js';
import type { LineRecord } from './program.js';

const line = (n: number, column = 0): LineRecord => ({ fileNameOffset: 7, lineOffset: 9, line: n, column });

describe('LineTable', () => {
  it('holds marks in identity order, the later of two for one identity winning', () => {
    const table = lineTable([
      [4, line(40)],
      [0, line(1)],
      [4, line(41, 3)],
    ]);
    expect(lineCount(table)).toBe(2);
    expect(lineEntries(table)).toEqual([
      [0, line(1)],
      [4, line(41, 3)],
    ]);
  });

  it('keeps each mark as bpf_line_info keeps it: identity, file_name_off, line_off, line_col', () => {
    const table = lineTable([[2, { fileNameOffset: 11, lineOffset: 12, line: 300, column: 5 }]]);
    expect(LINE_MARK_WORDS).toBe(4);
    expect([...table.marks]).toEqual([2, 11, 12, (300 << 10) | 5]);
  });

  it('finds, inserts, replaces and removes marks by identity', () => {
    const table = lineTable([
      [1, line(10)],
      [5, line(50)],
    ]);
    expect(lineAt(table, 5)).toEqual(line(50));
    expect(lineAt(table, 3)).toBeUndefined();
    expect(lineAt(table, 9)).toBeUndefined();

    setLine(table, 3, line(30));
    setLine(table, 0, line(0));
    setLine(table, 9, line(90));
    setLine(table, 5, line(55, 2));
    expect(lineEntries(table).map(([id, record]) => [id, record.line])).toEqual([
      [0, 0],
      [1, 10],
      [3, 30],
      [5, 55],
      [9, 90],
    ]);

    expect(deleteLine(table, 3)).toEqual(line(30));
    expect(deleteLine(table, 3)).toBeUndefined();
    expect(lineEntries(table).map(([id]) => id)).toEqual([0, 1, 5, 9]);
    clearLines(table);
    expect(lineCount(table)).toBe(0);
  });

  it('inserts into a new array, so a table copied before the edit keeps its marks', () => {
    const table = lineTable([[1, line(10)]]);
    const before = table.marks;
    setLine(table, 2, line(20));
    expect([...before]).toEqual([1, 7, 9, 10 << 10]);
    expect(lineCount(table)).toBe(2);
  });

  it('refuses a record that struct bpf_line_info cannot hold', () => {
    const table = lineTable();
    expect(() => setLine(table, 0, line(1, 1024))).toThrow(UsageError);
    expect(() => setLine(table, 0, line(2 ** 22))).toThrow(/line 4194304 does not fit/);
    expect(() => setLine(table, 0, { ...line(1), fileNameOffset: -1 })).toThrow(UsageError);
    expect(() => setLine(table, 0, line(1.5))).toThrow(UsageError);
    expect(() => lineTable([[0, line(1, 2000)]])).toThrow(/column 2000 does not fit/);
    expect(lineCount(table)).toBe(0);
    setLine(table, 0, line(2 ** 22 - 1, 1023));
    expect(lineAt(table, 0)).toEqual(line(2 ** 22 - 1, 1023));
  });

  it('survives structuredClone and compares equal to a table of the same marks', () => {
    const table = lineTable([
      [0, line(1)],
      [3, line(3)],
    ]);
    const copy = structuredClone(table);
    expect(copy).toEqual(table);
    setLine(copy, 3, line(4));
    expect(lineAt(table, 3)).toEqual(line(3));
    expect(copy).not.toEqual(table);
  });
});
