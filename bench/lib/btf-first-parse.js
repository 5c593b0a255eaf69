// Run as a child process (node --expose-gc) by the cold BTF rows: parses a BTF file once, in a
// process that has parsed nothing before, and prints {"ms", "residentMB", "types"}. The module
// import is not timed, as the libbpf side's shared-library loading is not.
import { parseBtf, readBtfFile } from '@bpfkit/btf';

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
