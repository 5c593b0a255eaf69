// BPF objects the CO-RE and ring buffer rows compile at bench time with clang-19 (bench keeps no
// compiled fixtures): sources from harness/bpf/ or generated, built into harness/build/bpf/
// (gitignored) under a name keyed by the source's hash, so a second run reuses them.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const harness = join(dirname(fileURLToPath(import.meta.url)), '..', 'harness');
const buildDir = join(harness, 'build', 'bpf');
const VMLINUX = '/sys/kernel/btf/vmlinux';
const CLANG = 'clang-19';

let clangChecked;

/** Why BPF objects cannot be built here (clang-19 or bpftool missing), or undefined when they can. */
export function bpfBuildUnavailable() {
  clangChecked ??= missingTool(CLANG, ['--version']) ?? missingTool('bpftool', ['version']) ?? '';
  return clangChecked || undefined;
}

function missingTool(command, args) {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return undefined;
  } catch {
    return `${command} is not installed (apt-get install clang-19 bpftool)`;
  }
}

function hashOf(...parts) {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex').slice(0, 16);
}

/** vmlinux.h of the running kernel (bpftool btf dump), regenerated when the kernel's BTF changes. */
function vmlinuxHeaderDir() {
  const dir = join(buildDir, `vmlinux-${hashOf(readFileSync(VMLINUX))}`);
  const header = join(dir, 'vmlinux.h');
  if (!existsSync(header)) {
    mkdirSync(dir, { recursive: true });
    const text = execFileSync('bpftool', ['btf', 'dump', 'file', VMLINUX, 'format', 'c'], {
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
    });
    writeFileSync(`${header}.tmp`, text);
    renameSync(`${header}.tmp`, header);
  }
  return dir;
}

/**
 * Compiles BPF C `source` (text) into a little-endian object named after `name` and returns its
 * path; `vmlinux` adds the running kernel's vmlinux.h to the include path.
 */
export function compileBpf(name, source, { vmlinux = false } = {}) {
  const includes = vmlinux ? [vmlinuxHeaderDir()] : [];
  const object = join(buildDir, `${name}-${hashOf(source, ...includes)}.bpf.o`);
  if (existsSync(object)) return object;
  mkdirSync(buildDir, { recursive: true });
  const sourcePath = object.replace(/\.o$/, '.c');
  writeFileSync(sourcePath, source);
  execFileSync(
    CLANG,
    [
      ...['-O2', '-g', '-target', 'bpfel', '-D__TARGET_ARCH_x86'],
      ...includes.flatMap((dir) => ['-I', dir]),
      ...['-I/usr/include/x86_64-linux-gnu', '-c', sourcePath, '-o', `${object}.tmp`],
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  renameSync(`${object}.tmp`, object);
  return object;
}

/** Compiles harness/bpf/<name>.bpf.c. */
export function compileBpfSource(name, options) {
  return compileBpf(name, readFileSync(join(harness, 'bpf', `${name}.bpf.c`), 'utf8'), options);
}
