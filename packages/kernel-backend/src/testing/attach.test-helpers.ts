import { execFileSync, spawnSync } from 'node:child_process';
import { encodeInstructions, ProgramBuilder, R0, R1, R2, R10, type Register } from '@bpfkit/asm';
import { loadKernelBtf } from '@bpfkit/btf';
import { MapType, PseudoSrc } from '@bpfkit/core';
import type { KernelBackend, ProgLoadAttr } from '../backend.js';
import type { Fd } from '../fd.js';
import { readU64, u32 } from './kernel-gate.test-helpers.js';

/**
 * Encodes a built program with its map references resolved to the given fds (the relocator's job
 * in the loader, done by hand here so these tests need only the asm builder) and loads it.
 */
export function loadBuilt(
  backend: KernelBackend,
  builder: ProgramBuilder,
  attr: Omit<ProgLoadAttr, 'instructions' | 'license' | 'name'> & { name?: string },
  maps: Record<string, Fd> = {},
): Fd {
  const built = builder.build();
  for (const relocation of built.relocations) {
    if (relocation.kind !== 'map-fd') throw new Error(`unexpected ${relocation.kind} relocation`);
    const map = maps[relocation.map];
    if (!map) throw new Error(`no map ${relocation.map}`);
    const insn = built.instructions[relocation.instruction]!;
    insn.src = PseudoSrc.MAP_FD;
    insn.imm = map.value;
  }
  return backend.loadProgram({
    name: 'test',
    license: 'GPL',
    ...attr,
    instructions: encodeInstructions(built.instructions, 'little'),
  });
}

/** An ARRAY map with one u64 counter at key 0. */
export function createCounter(backend: KernelBackend, name = 'counter'): Fd {
  return backend.createMap({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0, name });
}

export function readCounter(backend: KernelBackend, counter: Fd): bigint {
  const value = new Uint8Array(8);
  backend.mapLookup(counter, u32(0), value);
  return readU64(value);
}

/** counter[0] += 1; return `result` — the body of most attach tests. */
export function countingProgram(result: number, map = 'counter'): ProgramBuilder {
  return lookupCounter(new ProgramBuilder(), map)
    .mov64Imm(R1, 1)
    .atomic('add', 'u64', R0, 0, R1)
    .label('out')
    .mov64Imm(R0, result)
    .exit();
}

/**
 * Appends `seq = counter[0]++` (an atomic fetch-add): afterwards `register` holds the value before
 * the increment. Jumps to the label 'out', which the caller defines, when the lookup fails.
 */
export function fetchAddCounter(
  builder: ProgramBuilder,
  register: Register,
  map = 'counter',
): ProgramBuilder {
  return lookupCounter(builder, map).mov64Imm(register, 1).atomic('fetch_add', 'u64', R0, 0, register);
}

/** Appends R0 = &counter[0], jumping to the label 'out' when the lookup fails. */
function lookupCounter(builder: ProgramBuilder, map: string): ProgramBuilder {
  return builder
    .storeImm('u32', R10, -4, 0)
    .mov64Reg(R2, R10)
    .alu64Imm('add', R2, -4)
    .ldMapFd(R1, map)
    .call('map_lookup_elem')
    .jump('jeq', R0, 0, 'out');
}

/** The vmlinux BTF id of a named type (an iterator's bpf_iter_<name> FUNC, a btf_trace_<tp> TYPEDEF). */
export function vmlinuxTypeId(name: string, kind: 'FUNC' | 'TYPEDEF' | 'STRUCT'): number {
  return loadKernelBtf().findOne(name, kind);
}

/** Byte offset of a member of a vmlinux struct (task_struct.pid). */
export function vmlinuxMemberOffset(struct: string, member: string): number {
  const btf = loadKernelBtf();
  return btf.memberOffsetBits(btf.findOne(struct, 'STRUCT'), member) / 8;
}

/** Runs a command, throwing with its stderr on failure. */
export function run(command: string, ...args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** True when a command exists on PATH. */
export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/**
 * A feature gate for one test file: when `ok` is false the tests skip with `why`, unless
 * BPFKIT_REQUIRE_KERNEL=1, where that is a failure (so CI never passes without checking).
 */
export function requireFeature(ok: boolean, why: string): void {
  if (!ok && process.env.BPFKIT_REQUIRE_KERNEL === '1') throw new Error(`BPFKIT_REQUIRE_KERNEL=1 but ${why}`);
}
