import { BtfBuilder, CoreReloKind } from '@bpfkit/btf';
import { type CoreRelocation, type Instruction, RelocationError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { CORE_POISON_HELPER } from './patch-instruction.js';
import { describePoisonedRelocation, findPoisonedRelocation } from './poisoned-relocation.js';
import { relocateCore } from './relocate-core.js';

const K = CoreReloKind;
const ldxW = (off: number): Instruction => ({ code: 0x61, dst: 0, src: 1, off, imm: 0 });
const ldxDW = (off: number): Instruction => ({ code: 0x79, dst: 0, src: 1, off, imm: 0 });
const movImm = (imm: number): Instruction => ({ code: 0xb7, dst: 0, src: 0, off: 0, imm });
const ldImm64 = (value: bigint): Instruction[] => [
  { code: 0x18, dst: 0, src: 0, off: 0, imm: Number(BigInt.asIntN(32, value)) },
  { code: 0, dst: 0, src: 0, off: 0, imm: Number(BigInt.asIntN(32, value >> 32n)) },
];
const relo = (kind: number, typeId: number, accessString: string, instruction = 0): CoreRelocation => ({
  instruction,
  typeId,
  accessString,
  kind,
});

/** The object's view: struct task_struct { int pid; int tgid; struct task_struct *real_parent; char comm[16]; } */
function localBtf() {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, { signed: true });
  const char = b.addInt('char', 1, { signed: true });
  const u32 = b.addInt('unsigned int', 4);
  const task = b.add({ kind: 'STRUCT', name: 'task_struct', size: 32, bitfieldOffsets: false, members: [] });
  const ptr = b.add({ kind: 'PTR', name: '', type: task });
  const comm = b.add({ kind: 'ARRAY', name: '', type: char, indexType: u32, length: 16 });
  b.replace(task, {
    kind: 'STRUCT',
    name: 'task_struct',
    size: 32,
    bitfieldOffsets: false,
    members: [
      { name: 'pid', type: int, bitOffset: 0, bitfieldSize: 0 },
      { name: 'tgid', type: int, bitOffset: 32, bitfieldSize: 0 },
      { name: 'real_parent', type: ptr, bitOffset: 64, bitfieldSize: 0 },
      { name: 'comm', type: comm, bitOffset: 128, bitfieldSize: 0 },
    ],
  });
  // A flavor that knows the field under its old name.
  const old = b.add({
    kind: 'STRUCT',
    name: 'task_struct___old',
    size: 16,
    bitfieldOffsets: false,
    members: [{ name: 'parent', type: ptr, bitOffset: 64, bitfieldSize: 0 }],
  });
  // Bitfields: struct flags { unsigned a:3; unsigned b:7; int c:5; }
  const flags = b.add({
    kind: 'STRUCT',
    name: 'flags',
    size: 4,
    bitfieldOffsets: true,
    members: [
      { name: 'a', type: u32, bitOffset: 0, bitfieldSize: 3 },
      { name: 'b', type: u32, bitOffset: 3, bitfieldSize: 7 },
      { name: 'c', type: int, bitOffset: 10, bitfieldSize: 5 },
    ],
  });
  const pidType = b.add({
    kind: 'ENUM',
    name: 'pid_type',
    size: 4,
    signed: false,
    values: [
      { name: 'PIDTYPE_PID', value: 0 },
      { name: 'PIDTYPE_TGID', value: 1 },
      { name: 'PIDTYPE_GONE', value: 2 },
    ],
  });
  const big = b.add({
    kind: 'ENUM64',
    name: 'big',
    size: 8,
    signed: false,
    values: [{ name: 'BIG_ONE', value: 1n }],
  });
  const sizes = b.add({
    kind: 'STRUCT',
    name: 'sizes',
    size: 8,
    bitfieldOffsets: false,
    members: [
      { name: 'counter', type: u32, bitOffset: 0, bitfieldSize: 0 },
      { name: 'delta', type: int, bitOffset: 32, bitfieldSize: 0 },
    ],
  });
  const anon = b.add({ kind: 'STRUCT', name: '', size: 4, bitfieldOffsets: false, members: [] });
  return { btf: b.build(), ids: { task, old, flags, pidType, big, sizes, anon, int } };
}

/** The kernel's view: fields moved, a field inside an anonymous union, bitfields shifted. */
function targetBtf(options: { duplicateTask?: 'same' | 'different' } = {}) {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, { signed: true });
  const char = b.addInt('char', 1, { signed: true });
  const u32 = b.addInt('unsigned int', 4);
  const u64 = b.addInt('long long unsigned int', 8);
  const long = b.addInt('long', 8, { signed: true });
  const task = b.add({ kind: 'STRUCT', name: 'task_struct', size: 64, bitfieldOffsets: false, members: [] });
  const ptr = b.add({ kind: 'PTR', name: '', type: task });
  const comm = b.add({ kind: 'ARRAY', name: '', type: char, indexType: u32, length: 16 });
  const parents = b.add({
    kind: 'UNION',
    name: '',
    size: 8,
    bitfieldOffsets: false,
    members: [
      { name: 'real_parent', type: ptr, bitOffset: 0, bitfieldSize: 0 },
      { name: 'parent_raw', type: u64, bitOffset: 0, bitfieldSize: 0 },
    ],
  });
  const taskMembers = (shift: number) => [
    { name: 'state', type: u64, bitOffset: 0, bitfieldSize: 0 },
    { name: 'tgid', type: int, bitOffset: 64, bitfieldSize: 0 },
    { name: 'pid', type: int, bitOffset: 96, bitfieldSize: 0 },
    { name: '', type: parents, bitOffset: 128 + shift, bitfieldSize: 0 },
    { name: 'comm', type: comm, bitOffset: 256, bitfieldSize: 0 },
  ];
  b.replace(task, {
    kind: 'STRUCT',
    name: 'task_struct',
    size: 64,
    bitfieldOffsets: false,
    members: taskMembers(0),
  });
  if (options.duplicateTask) {
    const shift = options.duplicateTask === 'same' ? 0 : 64;
    b.add({
      kind: 'STRUCT',
      name: 'task_struct___2',
      size: 64,
      bitfieldOffsets: false,
      members: taskMembers(shift),
    });
  }
  const flags = b.add({
    kind: 'STRUCT',
    name: 'flags',
    size: 8,
    bitfieldOffsets: true,
    members: [
      { name: 'x', type: u32, bitOffset: 0, bitfieldSize: 30 },
      { name: 'a', type: u32, bitOffset: 30, bitfieldSize: 3 },
      { name: 'b', type: u32, bitOffset: 33, bitfieldSize: 7 },
      { name: 'c', type: int, bitOffset: 40, bitfieldSize: 5 },
    ],
  });
  const pidType = b.add({
    kind: 'ENUM',
    name: 'pid_type',
    size: 4,
    signed: false,
    values: [
      { name: 'PIDTYPE_PID', value: 0 },
      { name: 'PIDTYPE_TGID', value: 7 },
    ],
  });
  const big = b.add({
    kind: 'ENUM64',
    name: 'big',
    size: 8,
    signed: false,
    values: [{ name: 'BIG_ONE', value: 0x1_0000_0002n }],
  });
  const sizes = b.add({
    kind: 'STRUCT',
    name: 'sizes',
    size: 16,
    bitfieldOffsets: false,
    members: [
      { name: 'counter', type: u64, bitOffset: 0, bitfieldSize: 0 },
      { name: 'delta', type: long, bitOffset: 64, bitfieldSize: 0 },
    ],
  });
  return { btf: b.build(), ids: { task, flags, pidType, big, sizes } };
}

describe('relocateCore fields', () => {
  const local = localBtf();
  const target = targetBtf();

  it('moves a field offset to where the target puts it, through an anonymous union', () => {
    const insns = [ldxDW(8)];
    const [result] = relocateCore(
      insns,
      [relo(K.FIELD_BYTE_OFFSET, local.ids.task, '0:2')],
      local.btf,
      target.btf,
      {
        program: 'p',
      },
    );
    expect(insns[0]).toEqual(ldxDW(16));
    expect(result).toMatchObject({
      instruction: 0,
      kindName: 'FIELD_BYTE_OFFSET',
      accessPath: 'struct task_struct.real_parent',
      local: { typeId: local.ids.task, value: 8n },
      target: { typeId: target.ids.task, value: 16n },
      poisoned: false,
    });
  });

  it('indexes arrays: comm[3] follows comm and the element size', () => {
    const insns = [ldxW(19)];
    insns[0]!.code = 0x71; // LDX B
    const [result] = relocateCore(
      insns,
      [relo(K.FIELD_BYTE_OFFSET, local.ids.task, '0:3:3')],
      local.btf,
      target.btf,
      {
        program: 'p',
      },
    );
    expect(result!.accessPath).toBe('struct task_struct.comm[3]');
    expect(insns[0]!.off).toBe(35);
  });

  it('spells the access path when read, and copies of the result keep it', () => {
    const [result] = relocateCore(
      [ldxW(19)],
      [relo(K.FIELD_BYTE_OFFSET, local.ids.task, '0:3:3')],
      local.btf,
      target.btf,
      { program: 'p' },
    );
    expect(Object.keys(result!)).toContain('accessPath');
    expect({ ...result! }.accessPath).toBe('struct task_struct.comm[3]');
    expect(result!.accessPath).toBe('struct task_struct.comm[3]');
  });

  it('finds a flavored local type (task_struct___old) by its essential name, and reports a renamed field as absent', () => {
    const insns = [movImm(1), movImm(1)];
    const results = relocateCore(
      insns,
      [relo(K.FIELD_EXISTS, local.ids.old, '0:0', 0), relo(K.FIELD_EXISTS, local.ids.task, '0:2', 1)],
      local.btf,
      target.btf,
      { program: 'p' },
    );
    expect(insns.map((i) => i.imm)).toEqual([0, 1]);
    expect(results[0]).toMatchObject({
      accessPath: 'struct task_struct___old.parent',
      target: { value: 0n },
    });
    expect(results[0]!.target.typeId).toBeUndefined();
    expect(results[1]).toMatchObject({ target: { typeId: target.ids.task, value: 1n } });
  });

  it('poisons the load of a field the target lacks and explains it', () => {
    const insns = [ldxDW(8), movImm(0)];
    const results = relocateCore(
      insns,
      [relo(K.FIELD_BYTE_OFFSET, local.ids.old, '0:0')],
      local.btf,
      target.btf,
      {
        program: 'p',
      },
    );
    expect(insns[0]).toEqual({ code: 0x85, dst: 0, src: 0, off: 0, imm: CORE_POISON_HELPER });
    expect(insns[1]).toEqual(movImm(0));
    expect(results[0]!.poisoned).toBe(true);
    expect(results[0]!.target.value).toBeUndefined();
    expect(describePoisonedRelocation(results[0]!)).toContain('struct task_struct___old.parent');
    const log = '0: (85) call unknown#195896080\ninvalid func unknown#195896080\n';
    expect(findPoisonedRelocation(log, results)).toBe(results[0]);
    expect(findPoisonedRelocation('R0 !read_ok', results)).toBeUndefined();
  });

  it('computes bitfield byte offset, size, shifts and sign as libbpf does', () => {
    const kinds = [
      K.FIELD_BYTE_OFFSET,
      K.FIELD_BYTE_SIZE,
      K.FIELD_LSHIFT_U64,
      K.FIELD_RSHIFT_U64,
      K.FIELD_SIGNED,
    ];
    const expectations = {
      // target a: bits 30..32 of an 8-byte struct: a 4-byte load cannot hold it, an 8-byte one at 0 can
      '0:0': [0n, 8n, 64n - 33n, 61n, 0n],
      // target b: bits 33..39: a 4-byte load at 4 covers it
      '0:1': [4n, 4n, 64n - (33n + 7n - 32n), 57n, 0n],
      '0:2': [4n, 4n, 64n - (40n + 5n - 32n), 59n, 1n],
    };
    // What clang wrote for the local layout; libbpf checks right shift and sign, which never vary.
    const localRshiftAndSign: Record<string, [number, number]> = {
      '0:0': [61, 0],
      '0:1': [57, 0],
      '0:2': [59, 1],
    };
    for (const [access, expected] of Object.entries(expectations)) {
      const [rshift, signed] = localRshiftAndSign[access]!;
      const insns = [movImm(0), movImm(4), movImm(0), movImm(rshift), movImm(signed)];
      const results = relocateCore(
        insns,
        kinds.map((kind, i) => relo(kind, local.ids.flags, access, i)),
        local.btf,
        target.btf,
        { program: 'p' },
      );
      expect(
        results.map((r) => r.target.value),
        access,
      ).toEqual(expected);
      expect(insns.map((i) => BigInt(i.imm))).toEqual(expected);
    }
  });

  it('widens an unsigned load to the target size and poisons a signed one', () => {
    const insns = [ldxW(0), ldxW(4)];
    const results = relocateCore(
      insns,
      [
        relo(K.FIELD_BYTE_OFFSET, local.ids.sizes, '0:0', 0),
        relo(K.FIELD_BYTE_OFFSET, local.ids.sizes, '0:1', 1),
      ],
      local.btf,
      target.btf,
      { program: 'p' },
    );
    expect(insns[0]).toEqual(ldxDW(0));
    expect(results[0]!.poisoned).toBe(false);
    expect(insns[1]!.imm).toBe(CORE_POISON_HELPER);
    expect(results[1]!.poisoned).toBe(true);
    expect(results[1]!.poisonReason).toContain('size differs');
  });

  it('refuses an instruction that does not hold the value the compiler should have written', () => {
    const run = () =>
      relocateCore(
        [ldxDW(12)],
        [relo(K.FIELD_BYTE_OFFSET, local.ids.task, '0:2', 0)],
        local.btf,
        target.btf,
        {
          program: 'getppid',
        },
      );
    expect(run).toThrow(RelocationError);
    expect(run).toThrow(
      /FIELD_BYTE_OFFSET relocation of struct task_struct\.real_parent: .*offset 12, expected 8/,
    );
    try {
      run();
    } catch (error) {
      expect((error as RelocationError).location).toMatchObject({ program: 'getppid', instruction: 0 });
    }
  });

  it('accepts candidates that agree and refuses candidates that disagree', () => {
    const same = targetBtf({ duplicateTask: 'same' });
    const insns = [ldxDW(8)];
    relocateCore(insns, [relo(K.FIELD_BYTE_OFFSET, local.ids.task, '0:2')], local.btf, same.btf, {
      program: 'p',
    });
    expect(insns[0]!.off).toBe(16);

    const different = targetBtf({ duplicateTask: 'different' });
    expect(() =>
      relocateCore([ldxDW(8)], [relo(K.FIELD_BYTE_OFFSET, local.ids.task, '0:2')], local.btf, different.btf, {
        program: 'p',
      }),
    ).toThrow(/struct task_struct\.real_parent: candidates .*task_struct.* different offsets/);
  });

  it('refuses an anonymous root type and a malformed access string', () => {
    expect(() =>
      relocateCore([movImm(1)], [relo(K.TYPE_EXISTS, local.ids.anon, '0')], local.btf, target.btf, {
        program: 'p',
      }),
    ).toThrow(/anonymous/);
    expect(() =>
      relocateCore([ldxW(0)], [relo(K.FIELD_BYTE_OFFSET, local.ids.task, '0:9')], local.btf, target.btf, {
        program: 'p',
      }),
    ).toThrow(/member index 9/);
  });
});

describe('relocateCore types and enums', () => {
  const local = localBtf();
  const target = targetBtf();
  const run = (relocations: CoreRelocation[], insns: Instruction[]) =>
    relocateCore(insns, relocations, local.btf, target.btf, { program: 'p' });

  it('answers TYPE_EXISTS, TYPE_SIZE, TYPE_ID_LOCAL and TYPE_ID_TARGET', () => {
    const insns = [
      movImm(1),
      movImm(32),
      movImm(local.ids.task),
      ...ldImm64(BigInt(local.ids.task)),
      movImm(1),
    ];
    const results = run(
      [
        relo(K.TYPE_EXISTS, local.ids.task, '0', 0),
        relo(K.TYPE_SIZE, local.ids.task, '0', 1),
        relo(K.TYPE_ID_LOCAL, local.ids.task, '0', 2),
        relo(K.TYPE_ID_TARGET, local.ids.task, '0', 3),
        relo(K.TYPE_EXISTS, local.ids.old, '0', 5),
      ],
      insns,
    );
    expect(results.map((r) => r.target.value)).toEqual([
      1n,
      64n,
      BigInt(local.ids.task),
      BigInt(target.ids.task),
      1n,
    ]);
    expect(insns[3]!.imm).toBe(target.ids.task);
    expect(results[0]!.accessPath).toBe('struct task_struct');
  });

  it('answers TYPE_MATCHES by the stricter match rules', () => {
    const insns = [movImm(1), movImm(1)];
    const results = run(
      [relo(K.TYPE_MATCHES, local.ids.task, '0', 0), relo(K.TYPE_MATCHES, local.ids.sizes, '0', 1)],
      insns,
    );
    // task_struct: every local member exists with a matching type (pid, tgid, comm; real_parent
    // inside the anonymous union does not count as a same-named member).
    expect(results.map((r) => r.target.value)).toEqual([0n, 0n]);
    const same = new BtfBuilder();
    const u32 = same.addInt('unsigned int', 4);
    const int = same.addInt('int', 4, { signed: true });
    same.add({
      kind: 'STRUCT',
      name: 'sizes___v2',
      size: 8,
      bitfieldOffsets: false,
      members: [
        { name: 'delta', type: int, bitOffset: 0, bitfieldSize: 0 },
        { name: 'counter', type: u32, bitOffset: 32, bitfieldSize: 0 },
        { name: 'extra', type: u32, bitOffset: 64, bitfieldSize: 0 },
      ],
    });
    const matched = relocateCore(
      [movImm(1)],
      [relo(K.TYPE_MATCHES, local.ids.sizes, '0')],
      local.btf,
      same.build(),
      {
        program: 'p',
      },
    );
    expect(matched[0]!.target.value).toBe(1n);
  });

  it('relocates enum values by name and poisons a missing enumerator value', () => {
    const insns = [movImm(1), movImm(1), movImm(1), movImm(2), ...ldImm64(1n)];
    const results = run(
      [
        relo(K.ENUMVAL_EXISTS, local.ids.pidType, '1', 0),
        relo(K.ENUMVAL_VALUE, local.ids.pidType, '1', 1),
        relo(K.ENUMVAL_EXISTS, local.ids.pidType, '2', 2),
        relo(K.ENUMVAL_VALUE, local.ids.pidType, '2', 3),
        relo(K.ENUMVAL_VALUE, local.ids.big, '0', 4),
      ],
      insns,
    );
    expect(results[1]!.accessPath).toBe('enum pid_type::PIDTYPE_TGID');
    expect(insns.slice(0, 3).map((i) => i.imm)).toEqual([1, 7, 0]);
    expect(results[3]!.poisoned).toBe(true);
    expect(insns[3]!.imm).toBe(CORE_POISON_HELPER);
    expect(results[4]!.target.value).toBe(0x1_0000_0002n);
    expect([insns[4]!.imm, insns[5]!.imm]).toEqual([2, 1]);
  });
});

describe('relocateCore candidates', () => {
  it('searches candidates of a typedef root among typedefs, as libbpf does', () => {
    const make = (offset: number) => {
      const b = new BtfBuilder();
      const int = b.addInt('int', 4, { signed: true });
      const anon = b.add({
        kind: 'STRUCT',
        name: '',
        size: 16,
        bitfieldOffsets: false,
        members: [{ name: 'x', type: int, bitOffset: offset * 8, bitfieldSize: 0 }],
      });
      return { id: b.add({ kind: 'TYPEDEF', name: 'thing_t', type: anon }), btf: b.build() };
    };
    const local = make(0);
    const insns = [ldxW(0)];
    const [result] = relocateCore(
      insns,
      [relo(K.FIELD_BYTE_OFFSET, local.id, '0:0')],
      local.btf,
      make(8).btf,
      {
        program: 'p',
      },
    );
    expect(result!.accessPath).toBe('thing_t.x');
    expect(insns[0]!.off).toBe(8);
  });

  it('poisons both slots of a 64-bit load whose enumerator is gone, and prunes candidates per root type', () => {
    const local = localBtf();
    const target = targetBtf({ duplicateTask: 'different' });
    const cache = new Map<number, number[]>();
    // The cache keeps, per local root type, the candidates that matched so far (libbpf's
    // cand_cache). Both task_struct flavors have tgid, so both stay; once only one is left, the
    // access the two would disagree on is decided by that one alone.
    const insns = [...ldImm64(2n), movImm(1)];
    const results = relocateCore(
      insns,
      [relo(K.ENUMVAL_VALUE, local.ids.pidType, '2', 0), relo(K.FIELD_EXISTS, local.ids.task, '0:1', 2)],
      local.btf,
      target.btf,
      { program: 'p', candidateCache: cache },
    );
    expect(insns.slice(0, 2).map((i) => i.imm)).toEqual([CORE_POISON_HELPER, CORE_POISON_HELPER]);
    expect(results[0]!.poisoned).toBe(true);
    expect(cache.get(local.ids.task)).toEqual(
      target.btf
        .findByName('task_struct', 'STRUCT')
        .concat(target.btf.findByName('task_struct___2', 'STRUCT')),
    );
    cache.set(local.ids.task, [target.ids.task]);
    const pruned = [ldxDW(8)];
    relocateCore(pruned, [relo(K.FIELD_BYTE_OFFSET, local.ids.task, '0:2')], local.btf, target.btf, {
      program: 'p',
      candidateCache: cache,
    });
    expect(pruned[0]!.off).toBe(16);
  });
});
