import { ProgramDefinitionError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from './builder.js';
import { disassemble } from './disassemble.js';
import { R0, R1, R2, R3, R4, R5, R6, R10 } from './registers.js';

const texts = (b: ProgramBuilder) => disassemble(b.build().instructions).map((line) => line.text);

function buildError(run: () => unknown): ProgramDefinitionError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProgramDefinitionError);
    return error as ProgramDefinitionError;
  }
  throw new Error('expected a ProgramDefinitionError');
}

describe('ProgramBuilder', () => {
  it('emits the instructions its helpers name (checked through the llvm-verified disassembler)', () => {
    const b = new ProgramBuilder()
      .mov64Imm(R0, 0)
      .mov64Reg(R6, R1)
      .mov32Imm(R2, -1)
      .mov32Reg(R3, R2)
      .load('u32', R2, R6, 4)
      .load('u64', R3, R10, -16)
      .loadSigned('u8', R3, R2, 1)
      .alu64Imm('add', R2, -8)
      .alu32Reg('xor', R3, R2)
      .alu64Imm('sdiv', R3, 3)
      .alu32Imm('smod', R3, 7)
      .alu64Reg('arsh', R3, R4)
      .neg64(R3)
      .storeImm('u64', R10, -8, 7)
      .store('u16', R10, -2, R3)
      .atomic('fetch_add', 'u64', R0, 0, R4)
      .atomic('cmpxchg', 'u32', R1, 8, R2)
      .byteSwap(R4, 32)
      .toBigEndian(R4, 16)
      .toLittleEndian(R4, 64)
      .movSx64(R5, R4, 16)
      .movSx32(R5, R4, 8)
      .ldImm64(R1, 0x123456789abcdef0n)
      .ldImm64(R2, -1n)
      .call('map_lookup_elem')
      .call(5)
      .loadPacketAbsolute('u16', 12)
      .loadPacketIndirect('u8', R3, 0)
      .exit();
    expect(texts(b)).toEqual([
      'r0 = 0x0',
      'r6 = r1',
      'w2 = -0x1',
      'w3 = w2',
      'r2 = *(u32 *)(r6 + 0x4)',
      'r3 = *(u64 *)(r10 - 0x10)',
      'r3 = *(s8 *)(r2 + 0x1)',
      'r2 += -0x8',
      'w3 ^= w2',
      'r3 s/= 0x3',
      'w3 s%= 0x7',
      'r3 s>>= r4',
      'r3 = -r3',
      '*(u64 *)(r10 - 0x8) = 0x7',
      '*(u16 *)(r10 - 0x2) = r3',
      'r4 = atomic_fetch_add((u64 *)(r0 + 0x0), r4)',
      'w0 = cmpxchg32_32(r1 + 0x8, w0, w2)',
      'r4 = bswap32 r4',
      'r4 = be16 r4',
      'r4 = le64 r4',
      'r5 = (s16)r4',
      'w5 = (s8)w4',
      'r1 = 0x123456789abcdef0 ll',
      'r2 = -0x1 ll',
      'call 0x1',
      'call 0x5',
      'r0 = *(u16 *)skb[0xc]',
      'r0 = *(u8 *)skb[r3]',
      'exit',
    ]);
  });

  it('resolves labels forwards and backwards into relative offsets', () => {
    const b = new ProgramBuilder()
      .label('top')
      .mov64Imm(R0, 0)
      .jump('jeq', R1, 0, 'out')
      .jump32('jsgt', R1, R2, 'out')
      .alu64Imm('add', R0, 1)
      .goto('top')
      .label('out')
      .exit();
    expect(texts(b)).toEqual([
      'r0 = 0x0',
      'if r1 == 0x0 goto +0x3',
      'if w1 s> w2 goto +0x2',
      'r0 += 0x1',
      'goto -0x5',
      'exit',
    ]);
    expect(b.build().labels).toEqual([
      { name: 'top', instruction: 0 },
      { name: 'out', instruction: 5 },
    ]);
  });

  it('counts both slots of a 64-bit load when resolving a jump over it', () => {
    const b = new ProgramBuilder().jump('jne', R1, R2, 'done').ldImm64(R0, 1n).label('done').exit();
    expect(b.build().instructions[0]!.off).toBe(2);
  });

  it('records symbolic relocations at the right instruction', () => {
    const { instructions, relocations } = new ProgramBuilder()
      .mov64Imm(R2, 0)
      .ldMapFd(R1, 'counters')
      .ldMapValue(R3, '.data', 8)
      .callFunction('helper_fn')
      .ldFunction(R2, 'callback')
      .callKfunc('bpf_rcu_read_lock')
      .exit()
      .build();
    expect(relocations).toEqual([
      { kind: 'map-fd', instruction: 1, map: 'counters' },
      { kind: 'map-value', instruction: 3, map: '.data', offset: 8 },
      { kind: 'call', instruction: 5, function: 'helper_fn' },
      { kind: 'func-pointer', instruction: 6, function: 'callback' },
      { kind: 'extern', instruction: 8, name: 'bpf_rcu_read_lock', offset: 0 },
    ]);
    // bpf-to-bpf call: BPF_PSEUDO_CALL with the -1 placeholder, as clang leaves it in objects
    expect(instructions[5]).toEqual({ code: 0x85, dst: 0, src: 1, off: 0, imm: -1 });
    expect(instructions[8]).toMatchObject({ code: 0x85, src: 2 });
    expect(instructions).toHaveLength(10);
  });

  it('uses gotol for distances beyond 16 bits', () => {
    const b = new ProgramBuilder().gotoLong('far');
    for (let i = 0; i < 40_000; i++) b.mov64Imm(R0, i);
    const { instructions } = b.label('far').exit().build();
    expect(instructions[0]).toEqual({ code: 0x06, dst: 0, src: 0, off: 0, imm: 40_000 });
  });

  it('rejects a plain jump beyond the s16 range, naming the label and instruction', () => {
    const b = new ProgramBuilder().mov64Imm(R0, 0).goto('far');
    for (let i = 0; i < 0x8000; i++) b.mov64Imm(R0, i);
    b.label('far').exit();
    const error = buildError(() => b.build());
    expect(error.location).toMatchObject({ instruction: 1, symbol: 'far' });
    expect(error.hint).toContain('gotoLong');
  });

  it('rejects a jump to an unknown label', () => {
    const error = buildError(() => new ProgramBuilder().goto('nowhere').exit().build());
    expect(error.message).toContain('nowhere');
    expect(error.location.instruction).toBe(0);
  });

  it('rejects a label defined twice', () => {
    const error = buildError(() => new ProgramBuilder().label('a').exit().label('a'));
    expect(error.location).toMatchObject({ symbol: 'a', instruction: 1 });
  });

  it('rejects a jump to a label that marks no instruction', () => {
    buildError(() => new ProgramBuilder().goto('end').label('end').build());
  });

  it('rejects immediates and offsets that do not fit', () => {
    expect(buildError(() => new ProgramBuilder().mov64Imm(R0, 2 ** 32)).location.field).toBe('imm');
    expect(buildError(() => new ProgramBuilder().load('u8', R0, R1, 40_000)).location.field).toBe('off');
    expect(buildError(() => new ProgramBuilder().ldImm64(R0, 1n << 64n)).location.field).toBe('imm');
  });

  it('stores an unsigned 32-bit immediate as the same bits', () => {
    const { instructions } = new ProgramBuilder().alu32Imm('and', R1, 0xffff0000).build();
    expect(instructions[0]!.imm).toBe(0xffff0000 | 0);
  });

  it('returns copies, so building twice or continuing is safe', () => {
    const b = new ProgramBuilder().mov64Imm(R0, 1);
    const first = b.build();
    first.instructions[0]!.imm = 99;
    b.exit();
    expect(b.build().instructions.map((i) => i.imm)).toEqual([1, 0]);
  });
});
