// bpfkit's benchmarks against libbpf, in the same run: `node bench/run.js [--json] [filter...]`.
// Each file in bench/cases/ default-exports { name, unit, bpfkit(opts), libbpf(opts) } and
// optionally its own `iterations` and `repetitions`, and `unavailable()`, which names what this
// machine lacks for the case (a skipped row) or returns undefined; both sides return samples
// (numbers in `unit`, or a promise of them). Rounds alternate between the two sides so that noise
// on a shared machine hits both alike; the table shows medians and ratio = bpfkit / libbpf.
// Each case runs in a node process of its own, as each libbpf side runs in a harness process of
// its own: run in one process after the others, a case measures what they left behind (the
// JIT's feedback, the heap) as much as itself. `--same-process` runs them all here, as before.
// Both measured threads run on one CPU (BENCH_CPU, default the last one; `all` does not pin): on a
// guest whose CPUs are not equally quiet, the side that lands on the busier one would lose by it.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pinToBenchCpu } from './lib/pin-thread.js';
import { median } from './lib/stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const sameProcess = args.includes('--same-process');
/** set in the child that runs one case for its parent: the file to run, rows printed as JSON */
const only = process.env.BENCH_ONLY_CASE;
const filters = args.filter((a) => !a.startsWith('--'));
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

// The thread that times the bpfkit side, and the harness processes it starts, on one CPU.
if (only || sameProcess) pinToBenchCpu();

/** A case's iteration and repetition counts: the environment's, else the case's own, else the defaults. */
function optionsFor(bench) {
  return {
    iterations: Number(process.env.BENCH_ITERATIONS ?? bench.iterations ?? 200_000),
    repetitions: Number(process.env.BENCH_REPETITIONS ?? bench.repetitions ?? 3),
  };
}

// the cases import @bpfkit/* packages from their dist: build them first (a no-op when up to date).
// The loader's build also builds everything it depends on (kernel-backend, btf, relocator, ...);
// the list names every package a case imports, so a case's import stays built if the loader's
// dependencies change.
// apps/cli: the cli-help-start row spawns the built command.
const IMPORTED_PACKAGES = [
  'packages/loader',
  'packages/btf',
  'packages/kernel-backend',
  'packages/relocator',
  'apps/cli',
];
if (!only) {
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-b', ...IMPORTED_PACKAGES], {
    cwd: root,
    stdio: 'inherit',
  });
}

const files = only
  ? [only]
  : readdirSync(join(here, 'cases'))
      .filter((f) => f.endsWith('.js'))
      .sort();
const rows = [];
for (const file of files) {
  const { default: bench } = await import(pathToFileURL(join(here, 'cases', file)).href);
  if (filters.length > 0 && !filters.some((f) => bench.name.includes(f) || file.includes(f))) continue;
  if (!sameProcess && !only) {
    rows.push(...runInChild(file));
    if (!json) process.stderr.write(`  ${bench.name}: done\n`);
    continue;
  }
  const missing = bench.unavailable?.();
  if (missing) {
    rows.push({
      name: bench.name,
      unit: bench.unit,
      bpfkit: null,
      libbpf: null,
      ratio: null,
      skipped: missing,
    });
    process.stderr.write(`  ${bench.name}: skipped, ${missing}\n`);
    continue;
  }
  const options = optionsFor(bench);
  const ours = [];
  const theirs = [];
  for (let round = 0; round < rounds; round++) {
    theirs.push(...(await bench.libbpf(options)));
    ours.push(...(await bench.bpfkit(options)));
  }
  const bpfkit = median(ours);
  const libbpf = median(theirs);
  rows.push({
    name: bench.name,
    unit: bench.unit,
    bpfkit: significant(bpfkit),
    libbpf: significant(libbpf),
    ratio: round2(bpfkit / libbpf),
  });
  if (!json && !only) process.stderr.write(`  ${bench.name}: done\n`);
}

if (json || only) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  printTable(rows);
}

/** One case in a new node process (this script, told which file): its rows. */
function runInChild(file) {
  const output = execFileSync(process.execPath, [fileURLToPath(import.meta.url), ...args], {
    cwd: root,
    env: { ...process.env, BENCH_ONLY_CASE: file },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(output.toString());
}

function printTable(table) {
  const header = ['name', 'unit', 'bpfkit', 'libbpf', 'ratio'];
  const cells = table.map((r) =>
    r.skipped
      ? [r.name, r.unit, '-', '-', 'skipped']
      : [r.name, r.unit, String(r.bpfkit), String(r.libbpf), r.ratio.toFixed(2)],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((v, i) => (i < 2 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

/** ns-scale values keep one decimal, ms-scale ones (0.0213 ms) four significant digits. */
function significant(x) {
  return x >= 1000 ? Math.round(x * 10) / 10 : Number(x.toPrecision(4));
}

function round2(x) {
  return Math.round(x * 100) / 100;
}
