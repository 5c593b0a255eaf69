import { readFileSync } from 'node:fs';
import { ProgramBuilder, R0, R1, R2, R3, R6, R7 } from '@bpfkit/asm';
import { MapType, ProgramType } from '@bpfkit/core';
import { expect } from 'vitest';
import type { KernelBackend } from '../backend.js';
import type { RingBuffer } from '../events/ringbuf.js';
import type { Fd } from '../fd.js';
import { fetchAddCounter, loadBuilt, readCounter } from './attach.test-helpers.js';

/** A record of sequenceProgram in the ring: 8-byte bpf_ringbuf_hdr + the u64 sequence number. */
export const SEQUENCE_RECORD_BYTES = 16;

/**
 * XDP: seq = counter[0]++; reserve 8 bytes, write seq, then submit it, or discard it when
 * `discardOdd` and seq is odd (bpf_ringbuf_discard leaves the record in the ring, flagged).
 * Maps: `counter` (createCounter) and `ring`.
 */
export function sequenceProgram(discardOdd: boolean): ProgramBuilder {
  const builder = fetchAddCounter(new ProgramBuilder(), R6)
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

/**
 * What every reader of a ring must do with discarded records (a `sequenceRing(..., true)`): 101
 * runs deliver only the even sequence numbers and leave the ring empty; a ring holding only a
 * discarded record calls nobody, yet frees it. `read(onSequence)` reads the ring once, calling
 * `onSequence` per delivered record, and answers how many it delivered.
 */
export function expectDiscardedSkipped(
  backend: KernelBackend,
  counter: Fd,
  ring: { program: Fd },
  reader: RingBuffer,
  read: (onSequence: (sequence: bigint) => void) => number,
): void {
  const packet = new Uint8Array(64);
  const start = readCounter(backend, counter);
  backend.testRun(ring.program, { data: packet, repeat: 101 });
  const seen: bigint[] = [];
  const delivered = read((sequence) => seen.push(sequence));
  const evens = Array.from({ length: 101 }, (_, i) => start + BigInt(i)).filter((seq) => seq % 2n === 0n);
  expect(seen).toEqual(evens);
  expect(delivered).toBe(evens.length);
  expect(reader.pending).toBe(0);
  if (readCounter(backend, counter) % 2n === 0n) {
    backend.testRun(ring.program, { data: packet, repeat: 1 });
    read(() => {});
  }
  // the next record is odd: a ring holding only a discarded record calls nobody, yet frees it
  backend.testRun(ring.program, { data: packet, repeat: 1 });
  expect(reader.pending).toBe(SEQUENCE_RECORD_BYTES);
  let called = false;
  expect(read(() => (called = true))).toBe(0);
  expect(called).toBe(false);
  expect(reader.pending).toBe(0);
}

/** mmaps of BPF maps this process holds (/proc/self/maps names them anon_inode:bpf-map... or [bpf...]). */
export function bpfMappings(): number {
  return readFileSync('/proc/self/maps', 'latin1')
    .split('\n')
    .filter((line) => line.includes('bpf')).length;
}
