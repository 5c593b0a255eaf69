// Shared by this package's tests: the objects to disassemble and the llvm-objdump-19 / llvm-mc-19
// oracles, run at test time when installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Instruction } from '@bpfkit/core';
import type { ByteOrder } from './byte-order.js';
import { encodeInstructions } from './encode.js';

export const OBJDUMP = 'llvm-objdump-19';
export const LLVM_MC = 'llvm-mc-19';

export function toolMissing(tool: string): string | undefined {
  const probe = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : `${tool} is not installed (apt-get install llvm-19)`;
}

const repoFixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const ownFixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
/** Prebuilt objects from Debian's xdp-tools: real programs nobody here wrote. */
const xdpToolsDir = '/usr/lib/x86_64-linux-gnu/bpf';

/** Every committed clang object (both byte orders), plus xdp-tools' objects when installed. */
export function objectFiles(): string[] {
  const fromDir = (dir: string, suffix: string) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((file) => file.endsWith(suffix))
          .sort()
          .map((file) => join(dir, file))
      : [];
  return [...fromDir(repoFixtures, '.o'), ...fromDir(ownFixtures, '.o'), ...fromDir(xdpToolsDir, '.o')];
}

/** Little/big-endian pairs of the committed fixtures. */
export function fixtureTwins(): { little: string; big: string }[] {
  return objectFiles()
    .filter((file) => file.endsWith('.bpfel.o') && existsSync(file.replace(/\.bpfel\.o$/, '.bpfeb.o')))
    .map((little) => ({ little, big: little.replace(/\.bpfel\.o$/, '.bpfeb.o') }));
}

export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** llvm-objdump's text per section name, then per instruction index. */
export type ObjdumpListing = Map<string, Map<number, string>>;

export function objdump(path: string, extraArgs: readonly string[] = []): ObjdumpListing {
  // -z: without it, runs of zero slots are elided as "...".
  const out = execFileSync(OBJDUMP, ['-d', '-z', '--no-show-raw-insn', ...extraArgs, path], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const listing: ObjdumpListing = new Map();
  let section: Map<number, string> | undefined;
  for (const line of out.split('\n')) {
    const heading = /^Disassembly of section (.*):$/.exec(line);
    if (heading) {
      section = new Map();
      listing.set(heading[1]!, section);
      continue;
    }
    const insn = /^\s*(\d+):\t(.*)$/.exec(line);
    if (insn && section) section.set(Number(insn[1]), insn[2]!);
  }
  return listing;
}

/**
 * Assembles raw instruction slots into a .text section with llvm-mc (as `.byte` lines, so any
 * encoding at all goes through) and disassembles it: the oracle for encodings no fixture has.
 */
export function objdumpSlots(
  insns: readonly Instruction[],
  byteOrder: ByteOrder,
  extraArgs: readonly string[] = [],
): Map<number, string> {
  const bytes = encodeInstructions(insns, byteOrder);
  const lines = ['.text'];
  for (let at = 0; at < bytes.length; at += 8) lines.push(`.byte ${bytes.subarray(at, at + 8).join(',')}`);
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-asm-'));
  try {
    const source = join(dir, 'slots.s');
    const object = join(dir, 'slots.o');
    writeFileSync(source, `${lines.join('\n')}\n`);
    const triple = byteOrder === 'little' ? 'bpfel' : 'bpfeb';
    execFileSync(LLVM_MC, ['-triple', triple, '-filetype=obj', source, '-o', object]);
    return objdump(object, extraArgs).get('.text') ?? new Map();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
