import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MapDefinitionError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { parsePinningDatabase, readPinningDatabase } from './pinning-database.js';

describe('bpf_pinning', () => {
  it('maps ids to subpaths, skipping comments, blank lines and reserved ids', () => {
    const text = [
      '# id  subpath',
      '',
      '3\tcilium/globals',
      '  0x2a   custom/dir/  # hex id, trailing comment',
      '010 octal',
      '2 tc/globals  # reserved: ignored',
    ].join('\n');
    expect([...parsePinningDatabase(text)]).toEqual([
      [3, 'cilium/globals'],
      [42, 'custom/dir'],
      [8, 'octal'],
    ]);
  });

  it('names the file and line of an entry it cannot read', () => {
    expect(() => parsePinningDatabase('1 a\nbanana\n', '/tmp/pins')).toThrow(MapDefinitionError);
    expect(() => parsePinningDatabase('5 a\nbanana\n', '/tmp/pins')).toThrow(
      '/tmp/pins line 2 is not "<id> <subpath>": banana',
    );
  });

  it('reads a missing file as an empty database, and a real one from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfkit-pinning-'));
    try {
      expect(readPinningDatabase(join(dir, 'absent')).size).toBe(0);
      writeFileSync(join(dir, 'bpf_pinning'), '7 seven\n');
      expect(readPinningDatabase(join(dir, 'bpf_pinning')).get(7)).toBe('seven');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
