import { describe, expect, it } from 'vitest';
import {
  BpfkitError,
  ElfError,
  formatLocation,
  isBpfkitError,
  VerifierError,
  withContext,
} from './errors.js';

describe('errors', () => {
  it('describe() says what, where and what to do', () => {
    const error = new ElfError('section header table lies outside the file', {
      location: { object: 'x.o', field: 'e_shoff', byteOffset: 0x28 },
      hint: 'the file is truncated',
    });
    expect(error.describe()).toBe(
      'x.o, field e_shoff, offset 0x28: section header table lies outside the file\n  hint: the file is truncated',
    );
    expect(error.code).toBe('ELF_MALFORMED');
  });

  it('adds one phrase of context per step and keeps the innermost location', () => {
    const error = (() => {
      try {
        withContext('load maps', { object: 'obj' }, () =>
          withContext('map counters', { map: 'counters' }, () => {
            throw new BpfkitError('KERNEL', 'map create: operation not permitted', {
              location: { map: 'inner' },
            });
          }),
        );
      } catch (e) {
        return e as BpfkitError;
      }
      throw new Error('no error');
    })();
    expect(error.message).toBe('load maps: map counters: map create: operation not permitted');
    expect(error.location).toEqual({ map: 'inner', object: 'obj' });
  });

  it('recognises errors from another copy of the package by name', () => {
    const foreign = Object.assign(new Error('x'), { name: 'VerifierError', code: 'VERIFIER' });
    expect(isBpfkitError(foreign)).toBe(true);
    expect(isBpfkitError(new Error('plain'))).toBe(false);
  });

  it('a verifier error is a kernel error with code VERIFIER and the whole log', () => {
    const error = new VerifierError(13, 'refused', '0: R2 !read_ok\n', false);
    expect(error.code).toBe('VERIFIER');
    expect(error.errno).toBe(13);
    expect(error.log).toContain('R2 !read_ok');
  });

  it('formats a source location', () => {
    expect(formatLocation({ program: 'p', source: { file: 'a.c', line: 12, column: 3 } })).toBe(
      'program p, a.c:12',
    );
  });
});
