// Resolves the externs fixture for the running kernel (its config, kallsyms and BTF) and compares
// the result with what libbpf (via the C oracle built here) does to the same object while loading
// it: the .kconfig map bytes and every patched ld_imm64 and kfunc call.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeInstructions } from '@bpfkit/asm';
import { loadKernelBtf, parseBtf } from '@bpfkit/btf';
import type { Instruction, ProgramRelocation } from '@bpfkit/core';
import { readElf } from '@bpfkit/elf-reader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planExterns } from './extern-plan.js';
import { resolveExternTargets } from './extern-targets.js';
import { parseKallsyms } from './kallsyms.js';
import { buildKconfigData } from './kconfig-data.js';
import { parseKconfig } from './kconfig-values.js';
import { readKallsyms, readKernelConfig } from './kernel-config-file.js';
import { hasSyscallWrapper } from './linux-virtuals.js';
import { KFUNC_POISON_BASE, resolveExterns } from './resolve-externs.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const objectPath = join(fixtures, 'externs.bpfel.o');

function probe(): string | undefined {
  try {
    execFileSync('cc', ['--version'], { stdio: 'pipe' });
  } catch {
    return 'no C compiler (cc) to build the libbpf oracle';
  }
  if (!existsSync('/usr/include/bpf/libbpf.h')) return 'libbpf-dev is not installed';
  if (process.getuid?.() !== 0) return 'loading into the kernel and reading kallsyms addresses need root';
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'the kernel has no BTF (/sys/kernel/btf/vmlinux)';
  if (!existsSync('/proc/config.gz') && !existsSync(`/boot/config-${release()}`)) return 'no kernel config';
  return undefined;
}

const skipReason = probe();
if (skipReason && process.env.BPFKIT_REQUIRE_KERNEL === '1') {
  throw new Error(`BPFKIT_REQUIRE_KERNEL=1 but the libbpf extern oracle cannot run: ${skipReason}`);
}

describe.skipIf(skipReason !== undefined)(
  `externs against libbpf on the running kernel${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let dir: string;
    const theirs: Instruction[] = [];
    let theirKconfig = '';
    let loaded = false;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'bpfkit-extern-oracle-'));
      const binary = join(dir, 'oracle');
      execFileSync('cc', ['-O1', '-o', binary, join(fixtures, 'libbpf-core-oracle.c'), '-lbpf'], {
        stdio: 'pipe',
      });
      let text: string;
      try {
        text = execFileSync(binary, [objectPath], { encoding: 'utf8' });
      } catch (error) {
        text = (error as { stdout?: string }).stdout ?? '';
      }
      for (const line of text.split('\n')) {
        const [tag, ...rest] = line.split(' ');
        if (tag === 'insn') {
          const [, , code, dst, src, off, imm] = rest.map(Number);
          theirs.push({ code: code!, dst: dst!, src: src!, off: off!, imm: imm! });
        } else if (tag === 'kconfig') theirKconfig = rest[0]!;
        else if (tag === 'loaded') loaded = rest[1] === '1';
      }
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('resolves every extern as libbpf does, and libbpf loads the object', () => {
      expect(loaded).toBe(true);
      const elf = readElf(readFileSync(objectPath), 'externs.bpfel.o');
      const btf = parseBtf(elf.sectionData(elf.sectionByName('.BTF')!.index));
      const section = elf.sectionByName('raw_tp/sys_enter')!;
      const instructions = decodeInstructions(elf.sectionData(section.index), elf.byteOrder);
      const relocations: ProgramRelocation[] = elf
        .relocationsFor(section.index)
        .map((r) => ({ r, symbol: elf.symbols[r.symbolIndex]! }))
        .filter(({ symbol }) => symbol.sectionIndex === 0)
        .map(({ r, symbol }) => ({
          kind: 'extern',
          instruction: Number(r.offset) / 8,
          name: symbol.name,
          offset: 0,
        }));
      const symbols = elf.symbols
        .filter((s) => s.sectionIndex === 0 && s.name !== '')
        .map((s) => ({ name: s.name, weak: s.bind === 2 }));

      const plan = planExterns(btf, symbols);
      const kallsyms = parseKallsyms(readKallsyms());
      const linux = {
        kernelRelease: release(),
        hasBpfCookie: true,
        hasSyscallWrapper: hasSyscallWrapper(kallsyms),
      };
      const data = buildKconfigData(plan, parseKconfig(readKernelConfig()), { linux });
      expect(Buffer.from(data).toString('hex')).toBe(theirKconfig);

      const targets = resolveExternTargets(plan, { localBtf: btf, kernelBtf: loadKernelBtf(), kallsyms });
      const remaining = resolveExterns(instructions, relocations, targets, { program: 'use_externs' });
      for (const relocation of relocations) {
        const at = relocation.instruction;
        const ours = instructions.slice(at, at + 2);
        const libbpf = theirs.slice(at, at + 2);
        const pending = remaining.find((r) => r.instruction === at);
        if (pending?.kind === 'map-value') {
          // kconfig: libbpf wrote the map's fd and the value offset; resolveMapRelocations will.
          expect(libbpf[0]!.src).toBe(2);
          expect(pending.offset).toBe(libbpf[1]!.imm);
        } else if (ours[0]!.imm >= KFUNC_POISON_BASE) {
          // a call to the weak kfunc the kernel lacks: libbpf 1.1 leaves imm 0, newer ones poison it too
          expect(libbpf[0]).toMatchObject({ code: 0x85, src: 2, imm: 0 });
          expect('name' in relocation && relocation.name).toBe('bpf_no_such_kfunc');
        } else {
          const slots = ours[0]!.code === 0x18 ? 2 : 1;
          expect(
            ours.slice(0, slots),
            `${'name' in relocation ? relocation.name : relocation.kind} at ${at}`,
          ).toEqual(libbpf.slice(0, slots));
        }
      }
    });
  },
);
