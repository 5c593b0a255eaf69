import { readFileSync } from 'node:fs';
import { ProgramBuilder, R0, R1, R2, R3, R6, R7, R10 } from '@bpfkit/asm';
import { MapType, ProgramType } from '@bpfkit/core';
import type { KernelBackend } from '../backend.js';
import type { Fd } from '../fd.js';
import { loadBuilt } from './attach.test-helpers.js';
import { readU64 } from './kernel-gate.test-helpers.js';

/** A record of sequenceProgram in the ring: 8-byte bpf_ringbuf_hdr + the u64 sequence number. */
export const SEQUENCE_RECORD_BYTES = 16;

/**
 * XDP: seq = counter[0]++; reserve 8 bytes, write seq, then submit it, or discard it when
 * `discardOdd` and seq is odd (bpf_ringbuf_discard leaves the record in the ring, flagged).
 * Maps: `counter` (createCounter) and `ring`.
 */
export function sequenceProgram(discardOdd: boolean): ProgramBuilder {
  const builder = new ProgramBuilder()
    .storeImm('u32', R10, -4, 0)
    .mov64Reg(R2, R10)
    .alu64Imm('add', R2, -4)
    .ldMapFd(R1, 'counter')
    .call('map_lookup_elem')
    .jump('jeq', R0, 0, 'out')
    .mov64Imm(R6, 1)
    .atomic('fetch_add', 'u64', R0, 0, R6)
    .ldMapFd(R1, 'ring')
    .mov64Imm(R2, 8)
    .mov64Imm(R3, 0)
    .call('ringbuf_reserve')
    .jump('jeq', R0, 0, 'out')
    .store('u64', R0, 0, R6)
    .mov64Reg(R1, R0)
    .mov64Imm(R2, 0);
  if (discardOdd) {
    builder
      .mov64Reg(R7, R6)
      .alu64Imm('and', R7, 1)
      .jump('jeq', R7, 0, 'submit')
      .call('ringbuf_discard')
      .goto('out')
      .label('submit');
  }
  return builder.call('ringbuf_submit').label('out').mov64Imm(R0, 2).exit();
}

/** A fresh ring (consumer position 0) of `ringBytes` and a loaded sequenceProgram that fills it. */
export function sequenceRing(
  backend: KernelBackend,
  counter: Fd,
  ringBytes: number,
  discardOdd = false,
): { ring: Fd; program: Fd; close(): void } {
  const ring = backend.createMap({
    type: MapType.RINGBUF,
    keySize: 0,
    valueSize: 0,
    maxEntries: ringBytes,
    flags: 0,
    name: 'ring',
  });
  const program = loadBuilt(
    backend,
    sequenceProgram(discardOdd),
    { type: ProgramType.XDP },
    { ring, counter },
  );
  return {
    ring,
    program,
    close: () => {
      program.close();
      ring.close();
    },
  };
}

/** The counter's value: the sequence number the program's next run takes. */
export function counterValue(backend: KernelBackend, counter: Fd): bigint {
  const value = new Uint8Array(8);
  backend.mapLookup(counter, new Uint8Array(4), value);
  return readU64(value);
}

/** mmaps of BPF maps this process holds (/proc/self/maps names them anon_inode:bpf-map... or [bpf...]). */
export function bpfMappings(): number {
  return readFileSync('/proc/self/maps', 'latin1')
    .split('\n')
    .filter((line) => line.includes('bpf')).length;
}
