// Run as a child process (node --expose-gc) by the cold BTF rows: parses a BTF file once, in a
// process that has parsed nothing before, and prints {"ms", "residentMB", "types"}. The module
// import is not timed, as the libbpf side's shared-library loading is not.
import { parseBtf, readBtfFile } from '@bpfkit/btf';
import { repinInheritedProcess } from './pin-thread.js';

// Started by a pinned thread, every thread of this process inherited its one CPU; node's GC and
// JIT threads get every CPU back, the main thread stays where the libbpf side runs.
if (process.env.BENCH_PINNED_CPU !== undefined) repinInheritedProcess(Number(process.env.BENCH_PINNED_CPU));

const path = process.argv[2] ?? '/sys/kernel/btf/vmlinux';
const gc = globalThis.gc ?? (() => {});

gc();
const residentBefore = process.memoryUsage().rss;
const start = performance.now();
const btf = parseBtf(readBtfFile(path));
const ms = performance.now() - start;
gc();
const residentMB = (process.memoryUsage().rss - residentBefore) / 2 ** 20;
console.log(JSON.stringify({ ms, residentMB, types: btf.typeCount }));
