import { Session } from 'node:inspector/promises';
import { KernelError, ProgramType } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { Errno } from '../errno.js';
import { kernelSkipReason } from '../testing/kernel-gate.js';
import { LinuxBackend } from './linux-backend.js';
import { loadProgram } from './prog-load.js';
import type { BpfSyscall } from './syscall.js';

// The verifier gives up with EAGAIN whenever the loading thread has a signal pending, and V8's CPU
// profiler (node --cpu-prof, the inspector's Profiler) signals the main thread with SIGPROF at
// every sample. A program whose verification outlasts the sampling interval then never loaded in a
// profiled process: 8 of xdp-tools' 14 objects failed under `node --cpu-prof` at its default 1 ms.
const skip = kernelSkipReason();

/** `count` times `r0 = 0`, then `exit`: straight-line code the verifier walks once, slowly enough. */
function longProgram(count: number): Uint8Array {
  const code = new Uint8Array((count + 1) * 8);
  for (let i = 0; i < count; i++) code[i * 8] = 0xb7; // BPF_ALU64 | BPF_MOV | BPF_K, dst r0, imm 0
  code[count * 8] = 0x95; // BPF_JMP | BPF_EXIT
  return code;
}

/** Runs `work` while V8's profiler samples this thread every 20 µs (a SIGPROF each time). */
async function profiled<T>(work: () => T): Promise<T> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 20 });
    await session.post('Profiler.start');
    return work();
  } finally {
    await session.post('Profiler.stop');
    session.disconnect();
  }
}

describe.skipIf(skip)(`bpf() in a profiled process${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('loads a program whose verification outlasts the profiler sampling every 20 µs', async () => {
    const backend = new LinuxBackend();
    const attr = {
      type: ProgramType.SOCKET_FILTER,
      instructions: longProgram(30_000),
      license: 'GPL',
      name: 'long_straight',
    };
    // unprofiled, to know the program loads at all and takes longer than the interval to verify
    const start = process.hrtime.bigint();
    backend.loadProgram(attr).close();
    expect(Number(process.hrtime.bigint() - start) / 1e3).toBeGreaterThan(100);

    const fd = await profiled(() => backend.loadProgram(attr));
    expect(fd.value).toBeGreaterThan(0);
    fd.close();
  });

  it('runs a program 200,000 times in one PROG_TEST_RUN while the profiler samples every 20 µs', async () => {
    // the kernel's test-run loop stops with EINTR on a pending signal, as the verifier does with EAGAIN
    const backend = new LinuxBackend();
    using program = backend.loadProgram({
      type: ProgramType.SOCKET_FILTER,
      instructions: longProgram(100),
      license: 'GPL',
      name: 'test_run_many',
    });
    const run = () => backend.testRun(program, { data: new Uint8Array(64), repeat: 200_000 });
    const start = process.hrtime.bigint();
    run();
    expect(Number(process.hrtime.bigint() - start) / 1e3).toBeGreaterThan(100);
    const result = await profiled(run);
    expect(result.retval).toBe(0);
  });
});

describe('PROG_LOAD that answers EAGAIN every time', () => {
  it('gives up after the retries with a KernelError that says why, not a verifier refusal', () => {
    let calls = 0;
    const sys = {
      raw: () => {
        calls++;
        return -Errno.EAGAIN;
      },
    } as unknown as BpfSyscall;
    const attempt = () =>
      loadProgram(sys, {
        type: ProgramType.SOCKET_FILTER,
        instructions: longProgram(1),
        license: 'GPL',
        name: 'p',
      });
    expect(attempt).toThrow(KernelError);
    expect(attempt).toThrow(/EAGAIN at each of 6 attempts \(the verifier stops when a signal is pending\)/);
    expect(calls).toBe(12);
  });
});
