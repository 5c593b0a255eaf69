import type { ProgramBuilder } from '@bpfkit/asm';
import type { FieldTest } from './conditions.js';

/**
 * How a target reads the packet. Every load leaves a host-order, zero-extended value in r0, or
 * jumps to `fail` when the packet is too short. Registers r6..r8 belong to the access; r9 holds
 * the verdict; r1..r5 and r0 are scratch.
 */
export interface PacketAccess {
  /** the program section, which gives the program type (libbpf's SEC() names) */
  readonly section: string;
  readonly programName: string;
  /** runs first: keep the context and whatever pointers the loads need */
  prologue(b: ProgramBuilder): void;
  /** r0 = the EtherType of the frame */
  loadEtherType(b: ProgramBuilder, fail: string): void;
  /** r0 = the field (before its mask) */
  loadField(b: ProgramBuilder, test: FieldTest, fail: string): void;
  /** r0 = the return value that lets the packet through, or the one that drops it */
  returnValue(b: ProgramBuilder, verdict: 'pass' | 'drop'): void;
}

/** Turns a big-endian value just loaded into r0 into host order (a no-op for single bytes). */
export function networkToHost(b: ProgramBuilder, size: 1 | 2 | 4): void {
  if (size === 2) b.toBigEndian('r0', 16);
  if (size === 4) b.toBigEndian('r0', 32);
}

export const ETH_HLEN = 14;
export const IPV6_HLEN = 40;
export const memorySize = { 1: 'u8', 2: 'u16', 4: 'u32' } as const;
