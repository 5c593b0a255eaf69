import { MapDefinitionError, MapType, ProgramDefinitionError, ProgramType, UsageError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import type { KernelBackend } from './backend.js';
import { AttrBuffer } from './linux/attr-buffer.js';
import { LinuxBackend } from './linux/linux-backend.js';
import { SimulatedKernel } from './simulated/simulated-kernel.js';

const map = { type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 4, flags: 0, name: 'sizes' };

// The checks run before any syscall, so both backends refuse identically, with or without privileges.
const backends: [string, () => KernelBackend][] = [
  ['linux', () => new LinuxBackend()],
  ['simulated', () => new SimulatedKernel()],
];

describe.each(backends)('sizes at the attr edge (%s backend)', (_name, make) => {
  it.each([
    ['value_size', { valueSize: 2 ** 51 + 16 }],
    ['value_size', { valueSize: 2 ** 32 }],
    ['max_entries', { maxEntries: -1 }],
    ['key_size', { keySize: 4.5 }],
    ['map_flags', { flags: 2 ** 40 }],
    ['map_extra', { mapExtra: 1n << 64n }],
  ])('refuses %s out of its field with MapDefinitionError', (field, change) => {
    const error = catchError(() => make().createMap({ ...map, ...change }));
    expect(error).toBeInstanceOf(MapDefinitionError);
    expect((error as MapDefinitionError).location.field).toBe(field);
    expect((error as Error).message).toMatch(/^map sizes: /);
  });

  it('refuses a program whose byte length is no whole number of instructions', () => {
    const error = catchError(() =>
      make().loadProgram({
        type: ProgramType.SOCKET_FILTER,
        instructions: new Uint8Array(12),
        license: 'GPL',
        name: 'ragged',
      }),
    );
    expect(error).toBeInstanceOf(ProgramDefinitionError);
    expect((error as ProgramDefinitionError).location.field).toBe('insn_cnt');
  });
});

describe('AttrBuffer', () => {
  it('refuses a value a u32 or u64 field cannot hold instead of wrapping it', () => {
    const attr = new AttrBuffer(16);
    expect(() => attr.setU32(4, 2 ** 32 + 16)).toThrow(UsageError);
    expect(() => attr.setU32(4, -1)).toThrow(UsageError);
    expect(() => attr.setU64(8, 2 ** 53)).toThrow(UsageError);
    attr.setU32(4, 0xffff_ffff);
    expect(attr.getU32(4)).toBe(0xffff_ffff);
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}
