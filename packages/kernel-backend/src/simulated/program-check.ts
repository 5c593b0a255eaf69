import { createHash } from 'node:crypto';
import { ProgramType, PseudoSrc } from '@bpfkit/core';
import type { ProgLoadAttr } from '../backend.js';
import { Errno } from '../errno.js';
import { SimFault } from './fault.js';

const BPF_LD_IMM64 = 0x18;
const BPF_JMP_EXIT = 0x95;
const BPF_JMP_JA = 0x05;
const BPF_JMP32_JA = 0x06;
/** BPF_COMPLEXITY_LIMIT_INSNS */
const MAX_INSNS = 1_000_000;

const knownProgramTypes = new Set<number>(Object.values(ProgramType).filter((t) => t !== ProgramType.UNSPEC));

export function isKnownProgramType(type: number): boolean {
  return knownProgramTypes.has(type);
}

/** Resolves the fd inside an ld_imm64 map reference to a map id, or throws SimFault(EBADF). */
export type MapFdResolver = (fd: number, instruction: number) => number;

/**
 * The structural part of BPF_PROG_LOAD the simulated kernel can check without a verifier: a known
 * type, a whole number of instructions, a last instruction that leaves the program, and map
 * references that name live maps. Returns the ids of the maps used, in first-use order.
 */
export function checkProgram(attr: ProgLoadAttr, resolveMapFd: MapFdResolver): number[] {
  if (!knownProgramTypes.has(attr.type)) throw new SimFault(Errno.EINVAL);
  const bytes = attr.instructions;
  if (bytes.length === 0 || bytes.length % 8 !== 0) throw new SimFault(Errno.EINVAL);
  const count = bytes.length / 8;
  if (count > MAX_INSNS) throw new SimFault(Errno.E2BIG);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const mapIds: number[] = [];
  for (let i = 0; i < count; i++) {
    const code = bytes[i * 8]!;
    if (code !== BPF_LD_IMM64) continue;
    if (i + 1 >= count) throw new SimFault(Errno.EINVAL, `${i}: invalid BPF_LD_IMM insn\n`);
    const src = bytes[i * 8 + 1]! >> 4;
    const imm = view.getInt32(i * 8 + 4, true);
    let fd: number | undefined;
    if (src === PseudoSrc.MAP_FD || src === PseudoSrc.MAP_VALUE) fd = imm;
    if (src === PseudoSrc.MAP_IDX || src === PseudoSrc.MAP_IDX_VALUE) {
      fd = attr.fdArray?.[imm];
      if (fd === undefined)
        throw new SimFault(Errno.EINVAL, `${i}: fd_idx ${imm} out of range of fd_array\n`);
    }
    if (fd !== undefined) {
      const id = resolveMapFd(fd, i);
      if (!mapIds.includes(id)) mapIds.push(id);
    }
    i++; // the second half of ld_imm64
  }
  const last = bytes[(count - 1) * 8]!;
  if (last !== BPF_JMP_EXIT && last !== BPF_JMP_JA && last !== BPF_JMP32_JA) {
    throw new SimFault(Errno.EINVAL, 'last insn is not an exit or jmp\nprocessed 0 insns\n');
  }
  return mapIds;
}

/** The hash bpf_prog_calc_tag uses: SHA-1 until Linux 6.1 and later LTS lines, SHA-256 on 6.18. */
export type ProgramTagHash = 'sha1' | 'sha256';

/**
 * The program tag as bpf_prog_calc_tag computes it: a hash of the instructions with the
 * immediates of map references zeroed (they are fds, different on every load), first 8 bytes.
 * Kernels differ in the hash (Debian 12's 6.1 uses SHA-1, 6.18 SHA-256), so it is a parameter.
 */
export function programTag(instructions: Uint8Array, hash: ProgramTagHash = 'sha256'): string {
  const copy = Uint8Array.prototype.slice.call(instructions);
  for (let i = 0; i + 16 <= copy.length; i += 8) {
    if (copy[i] !== BPF_LD_IMM64) continue;
    const src = copy[i + 1]! >> 4;
    if (src === PseudoSrc.MAP_FD || src === PseudoSrc.MAP_VALUE) {
      copy.fill(0, i + 4, i + 8);
      copy.fill(0, i + 12, i + 16);
    }
    i += 8;
  }
  return createHash(hash).update(copy).digest('hex').slice(0, 16);
}
