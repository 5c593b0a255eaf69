// Puts the calling thread, and the processes it starts from then on, on one CPU:
// sched_setaffinity(0, ...) acts on the calling thread only. The bench's main thread runs the
// bpfkit side and starts every harness process, so both measured threads share one CPU, while
// node's own threads (GC, JIT compilers), started earlier, keep every CPU, as in an unpinned run.
import { cpus } from 'node:os';
import koffi from 'koffi';

const MASK_BYTES = 128; // cpu_set_t: 1024 CPUs

/** Pins the calling thread to `cpu`; returns an error message instead of throwing. */
export function pinCallingThread(cpu) {
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= MASK_BYTES * 8) return `no CPU ${cpu}`;
  const setAffinity = koffi.load('libc.so.6').func('int sched_setaffinity(int, size_t, uint8_t *)');
  const mask = Buffer.alloc(MASK_BYTES);
  mask[cpu >> 3] = 1 << (cpu & 7);
  return setAffinity(0, MASK_BYTES, mask) === 0 ? undefined : `sched_setaffinity: errno ${koffi.errno()}`;
}

/**
 * Pins the calling thread to the bench's CPU (BENCH_CPU, default the last one; `all` pins nothing)
 * and marks the environment for the processes it starts (BENCH_PINNED_CPU, read by
 * lib/fresh-process.js). Says on stderr when it cannot, and runs unpinned.
 */
export function pinToBenchCpu() {
  const cpu = process.env.BENCH_CPU ?? String(cpus().length - 1);
  if (cpu === 'all') return;
  const refused = pinCallingThread(Number(cpu));
  if (refused) process.stderr.write(`bench: cannot pin to CPU ${cpu} (${refused}); running unpinned\n`);
  else process.env.BENCH_PINNED_CPU = cpu;
}
