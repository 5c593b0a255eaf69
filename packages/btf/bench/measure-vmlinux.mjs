// Measures loadKernelBtf on /sys/kernel/btf/vmlinux against libbpf's btf__parse in the same run.
// Not a test: timings on shared machines are noise, ratios less so. Build first:
//   npx tsc -b packages/btf && node --expose-gc packages/btf/bench/measure-vmlinux.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const path = process.argv[2] ?? '/sys/kernel/btf/vmlinux';
const here = fileURLToPath(new URL('.', import.meta.url));
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const gc = globalThis.gc ?? (() => {});

const btfPackage = await import(new URL('../dist/index.js', import.meta.url).href);
gc();
const rssBefore = process.memoryUsage().rss;
const start = performance.now();
const btf = btfPackage.loadKernelBtf(path);
const parseMs = performance.now() - start;
gc();
const rssParsed = process.memoryUsage().rss;
const findStart = performance.now();
const taskStruct = btf.findOne('task_struct', 'STRUCT');
const firstFindMs = performance.now() - findStart;
gc();
const rssIndexed = process.memoryUsage().rss;

const warm = [];
for (let i = 0; i < 10; i++) {
  const t = performance.now();
  btfPackage.parseBtf(btf.bytes, { validate: false });
  warm.push(performance.now() - t);
}
const validated = performance.now();
btfPackage.parseBtf(btf.bytes);
const validatedMs = performance.now() - validated;

let libbpf = 'not measured (needs gcc and libbpf-dev)';
try {
  const out = join(mkdtempSync(join(tmpdir(), 'bpfkit-bench-')), 'libbpf-parse');
  execFileSync('gcc', ['-O2', join(here, 'libbpf-parse.c'), '-o', out, '-lbpf']);
  const result = JSON.parse(execFileSync(out, [path]).toString());
  libbpf = `first ${result.first.toFixed(2)} ms, best ${result.best.toFixed(2)} ms; ratio (first/first) ${(parseMs / result.first).toFixed(2)}`;
} catch (error) {
  libbpf += ` (${error.message.split('\n')[0]})`;
}

const size = statSync(path).size;
console.log(
  `file:                 ${path}, ${mb(size)}, ${btf.typeCount} types (task_struct = ${taskStruct})`,
);
console.log(`loadKernelBtf (cold): ${parseMs.toFixed(2)} ms, read included`);
console.log(`parse only (warm):    best ${Math.min(...warm).toFixed(2)} ms, structure checks`);
console.log(`parse, full checks:   ${validatedMs.toFixed(2)} ms`);
console.log(`first findByName:     ${firstFindMs.toFixed(2)} ms (builds the name index)`);
console.log(`libbpf btf__parse:    ${libbpf}`);
console.log(
  `resident growth:      ${mb(rssParsed - rssBefore)} after parse (${((rssParsed - rssBefore) / size).toFixed(2)}x file), ${mb(rssIndexed - rssBefore)} with name index`,
);
