import { type Btf, BtfBuilder } from '@bpfkit/btf';
import {
  MapDefinitionError,
  type MapSpec,
  MapType,
  NotFoundError,
  NotSupportedError,
  type ProgramSpec,
  ProgramType,
  type StructOpsMember,
  UsageError,
} from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { structOpsProgramTarget } from './struct-ops.js';
import { kernelStructOps, structOpsLayout, structOpsValue } from './struct-ops-value.js';

/**
 * A kernel BTF of its own: `struct tcp_congestion_ops` with its members in another order than the
 * object's and one more, and the wrapper whose `data` sits at byte 64 (after a cache-aligned header).
 */
function kernelBtf(options: { wrapper?: boolean } = {}): Btf {
  const b = new BtfBuilder();
  const u32 = b.addInt('unsigned int', 4);
  const u64 = b.addInt('unsigned long long', 8);
  const char = b.addInt('char', 1, { char: true });
  const name = b.add({ kind: 'ARRAY', name: '', type: char, indexType: u32, length: 16 });
  const proto = b.add({ kind: 'FUNC_PROTO', name: '', returnType: u32, params: [] });
  const fnPtr = b.add({ kind: 'PTR', name: '', type: proto });
  const ops = b.add({
    kind: 'STRUCT',
    name: 'tcp_congestion_ops',
    size: 48,
    bitfieldOffsets: false,
    members: [
      { name: 'key', type: u32, bitOffset: 0, bitfieldSize: 0 },
      { name: 'name', type: name, bitOffset: 32, bitfieldSize: 0 },
      { name: 'flags', type: u32, bitOffset: 160, bitfieldSize: 0 },
      { name: 'init', type: fnPtr, bitOffset: 192, bitfieldSize: 0 },
      { name: 'ssthresh', type: fnPtr, bitOffset: 256, bitfieldSize: 0 },
      { name: 'owner', type: u64, bitOffset: 320, bitfieldSize: 0 },
    ],
  });
  if (options.wrapper !== false) {
    b.add({
      kind: 'STRUCT',
      name: 'bpf_struct_ops_tcp_congestion_ops',
      size: 112,
      bitfieldOffsets: false,
      members: [
        { name: 'refcnt', type: u64, bitOffset: 0, bitfieldSize: 0 },
        { name: 'data', type: ops, bitOffset: 512, bitfieldSize: 0 },
      ],
    });
  }
  return b.build();
}

/** The object's struct: init, ssthresh, flags, name (the fixture's layout). */
function structOpsMap(
  members: StructOpsMember[] = [
    { name: 'init', offset: 0, size: 8, kind: 'PTR', program: 'my_init' },
    { name: 'ssthresh', offset: 8, size: 8, kind: 'PTR' },
    { name: 'flags', offset: 16, size: 4, kind: 'INT' },
    { name: 'name', offset: 20, size: 16, kind: 'ARRAY' },
  ],
  data?: Uint8Array,
): MapSpec {
  const bytes = data ?? new Uint8Array(40);
  if (!data) {
    new DataView(bytes.buffer).setUint32(16, 0x11223344, true);
    bytes.set(new TextEncoder().encode('mine'), 20);
  }
  return {
    kind: 'struct-ops',
    name: 'ops',
    type: MapType.STRUCT_OPS,
    keySize: 4,
    valueSize: 40,
    maxEntries: 1,
    flags: 0,
    pinning: { kind: 'none' },
    structOps: { typeName: 'tcp_congestion_ops', data: bytes, members },
    source: { format: 'struct-ops', section: '.struct_ops', sectionIndex: 3, offset: 0 },
  };
}

describe('the kernel side of a struct_ops type', () => {
  it('finds the struct, its wrapper and where the wrapper keeps it', () => {
    expect(kernelStructOps('tcp_congestion_ops', kernelBtf())).toEqual({
      typeName: 'tcp_congestion_ops',
      typeId: expect.any(Number),
      valueTypeId: expect.any(Number),
      valueSize: 112,
      dataOffset: 64,
    });
  });

  it('says struct_ops of that type are not supported when the kernel has no wrapper', () => {
    const error = (() => {
      try {
        kernelStructOps('tcp_congestion_ops', kernelBtf({ wrapper: false }));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(NotSupportedError);
    expect((error as NotSupportedError).feature).toBe('struct_ops tcp_congestion_ops');
  });

  it('says which struct the kernel lacks entirely', () => {
    expect(() => kernelStructOps('sched_ext_ops', kernelBtf())).toThrow(NotFoundError);
    expect(() => kernelStructOps('sched_ext_ops', kernelBtf())).toThrow(/struct sched_ext_ops/);
  });
});

describe('the struct_ops map value', () => {
  it('copies scalars by member name to the kernel offsets, past the wrapper header', () => {
    const layout = structOpsLayout(structOpsMap(), kernelBtf());
    expect(layout.copies).toEqual([
      { member: 'flags', from: 16, to: 64 + 20, size: 4 },
      { member: 'name', from: 20, to: 64 + 4, size: 16 },
    ]);
    expect(layout.programs).toEqual([{ member: 'init', program: 'my_init', memberIndex: 3, to: 64 + 24 }]);
  });

  it('puts program fds at the function pointers and leaves the rest zero', () => {
    const map = structOpsMap();
    const value = structOpsValue(map, structOpsLayout(map, kernelBtf()), () => 7, true);
    const view = new DataView(value.buffer);
    expect(value.length).toBe(112);
    expect(view.getBigUint64(64 + 24, true)).toBe(7n);
    expect(view.getUint32(64 + 20, true)).toBe(0x11223344);
    expect(new TextDecoder().decode(value.subarray(68, 72))).toBe('mine');
    expect(view.getBigUint64(64 + 32, true)).toBe(0n); // ssthresh: not set
    expect(value.subarray(0, 64).every((b) => b === 0)).toBe(true);
  });

  it('fails when a program the struct names was not loaded', () => {
    const map = structOpsMap();
    expect(() => structOpsValue(map, structOpsLayout(map, kernelBtf()), () => undefined, true)).toThrow(
      /needs program my_init for member init/,
    );
  });

  it('skips members the kernel lacks when the object left them zero, and refuses them when set', () => {
    const extra: StructOpsMember = { name: 'future', offset: 36, size: 4, kind: 'INT' };
    const zero = structOpsMap([extra], new Uint8Array(40));
    expect(structOpsLayout(zero, kernelBtf()).copies).toEqual([]);
    const set = new Uint8Array(40);
    set[36] = 1;
    expect(() => structOpsLayout(structOpsMap([extra], set), kernelBtf())).toThrow(NotSupportedError);
  });

  it('drops a program set on a member the kernel lacks, as libbpf turns its autoload off', () => {
    const member: StructOpsMember = { name: 'future_op', offset: 0, size: 8, kind: 'PTR', program: 'p' };
    expect(structOpsLayout(structOpsMap([member]), kernelBtf()).dropped).toEqual(['p']);
  });

  it('refuses a scalar whose size differs from the kernel, a kind mismatch and bitfields', () => {
    const wrongSize = structOpsMap([{ name: 'flags', offset: 16, size: 8, kind: 'INT' }]);
    expect(() => structOpsLayout(wrongSize, kernelBtf())).toThrow(
      /8 bytes in the object but 4 in the kernel/,
    );
    const wrongKind = structOpsMap([{ name: 'name', offset: 16, size: 8, kind: 'PTR' }]);
    expect(() => structOpsLayout(wrongKind, kernelBtf())).toThrow(MapDefinitionError);
    const bitfield = structOpsMap([{ name: 'flags', offset: 16, size: 4, kind: 'INT', bitfield: true }]);
    expect(() => structOpsLayout(bitfield, kernelBtf())).toThrow(/bitfield/);
  });
});

describe('the attach target of a struct_ops program', () => {
  const program = (name: string) =>
    ({ name, section: `struct_ops/${name}`, type: ProgramType.STRUCT_OPS }) as ProgramSpec;

  it('is the kernel struct and the index of its member there', () => {
    const layouts = new Map([['ops', structOpsLayout(structOpsMap(), kernelBtf())]]);
    const typeId = kernelStructOps('tcp_congestion_ops', kernelBtf()).typeId;
    expect(structOpsProgramTarget(program('my_init'), layouts)).toEqual({
      attachBtfId: typeId,
      expectedAttachType: 3,
    });
  });

  it('refuses a program no struct_ops variable names, and one used for two different members', () => {
    const layouts = new Map([['ops', structOpsLayout(structOpsMap(), kernelBtf())]]);
    expect(() => structOpsProgramTarget(program('stray'), layouts)).toThrow(UsageError);
    const other = structOpsMap([{ name: 'ssthresh', offset: 8, size: 8, kind: 'PTR', program: 'my_init' }]);
    layouts.set('other', structOpsLayout(other, kernelBtf()));
    expect(() => structOpsProgramTarget(program('my_init'), layouts)).toThrow(/different struct_ops members/);
  });
});
