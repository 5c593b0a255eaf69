// Compares bpfkit's CO-RE relocation of a real clang object against the running kernel's BTF with
// what libbpf (Debian's libbpf-dev, via a small C oracle built here) does to the same object while
// loading it into the kernel: the patched instructions must be identical, and every value libbpf
// logs must be the value bpfkit reports.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeInstructions } from '@bpfkit/asm';
import { loadKernelBtf, parseBtf, parseBtfExt } from '@bpfkit/btf';
import type { CoreRelocation, Instruction } from '@bpfkit/core';
import { readElf } from '@bpfkit/elf-reader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relocateCore } from './relocate-core.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const objectPath = join(fixtures, 'core_relocs.bpfel.o');
const oracleSource = join(fixtures, 'libbpf-core-oracle.c');

/** Can the oracle run here: a C compiler, libbpf-dev, root, kernel BTF. */
function probe(): string | undefined {
  try {
    execFileSync('cc', ['--version'], { stdio: 'pipe' });
  } catch {
    return 'no C compiler (cc) to build the libbpf oracle';
  }
  if (!existsSync('/usr/include/bpf/libbpf.h')) return 'libbpf-dev is not installed';
  if (process.getuid?.() !== 0) return 'loading into the kernel needs root';
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'the kernel has no BTF (/sys/kernel/btf/vmlinux)';
  return undefined;
}

const skipReason = probe();
if (skipReason && process.env.BPFKIT_REQUIRE_KERNEL === '1') {
  throw new Error(`BPFKIT_REQUIRE_KERNEL=1 but the libbpf CO-RE oracle cannot run: ${skipReason}`);
}

/** The programs of the fixture with their instructions and CO-RE relocations, read as the loader would. */
function readPrograms(bytes: Uint8Array) {
  const elf = readElf(bytes, 'core_relocs.bpfel.o');
  const data = (name: string) => elf.sectionData(elf.sectionByName(name)!.index);
  const btf = parseBtf(data('.BTF'));
  const ext = parseBtfExt(data('.BTF.ext'), btf);
  const programs = new Map<string, { instructions: Instruction[]; relocations: CoreRelocation[] }>();
  for (const { section, records } of ext.coreRelos) {
    const name = section === 'socket' ? 'skb_fields' : 'task_fields';
    programs.set(name, {
      instructions: decodeInstructions(data(section), elf.byteOrder),
      relocations: records.map((r) => ({
        instruction: r.insnOff / 8,
        typeId: r.typeId,
        accessString: r.accessStr,
        kind: r.kind,
      })),
    });
  }
  return { btf, programs };
}

interface OracleOutput {
  insns: Map<string, Instruction[]>;
  loaded: Map<string, boolean>;
  /** "prog:insn" → the value libbpf patched in, or 'poison' */
  logged: Map<string, bigint | 'poison'>;
}

function runOracle(binary: string): OracleOutput {
  let text: string;
  try {
    text = execFileSync(binary, [objectPath], { encoding: 'utf8' });
  } catch (error) {
    text = (error as { stdout?: string }).stdout ?? '';
  }
  const out: OracleOutput = { insns: new Map(), loaded: new Map(), logged: new Map() };
  for (const line of text.split('\n')) {
    const [tag, ...rest] = line.split(' ');
    if (tag === 'insn') {
      const [prog, , code, dst, src, off, imm] = rest;
      if (!out.insns.has(prog!)) out.insns.set(prog!, []);
      out.insns.get(prog!)!.push({ code: +code!, dst: +dst!, src: +src!, off: +off!, imm: +imm! });
    } else if (tag === 'loaded') {
      out.loaded.set(rest[0]!, rest[1] === '1');
    } else if (tag === 'log') {
      const patched = /prog '(\w+)': relo #\d+: patched insn #(\d+) \([^)]*\) \w+ \d+ -> (\d+)/.exec(line);
      const poisoned = /prog '(\w+)': relo #\d+: substituting insn #(\d+)/.exec(line);
      if (patched) out.logged.set(`${patched[1]}:${patched[2]}`, BigInt(patched[3]!));
      else if (poisoned) out.logged.set(`${poisoned[1]}:${poisoned[2]}`, 'poison');
    }
  }
  return out;
}

describe.skipIf(skipReason !== undefined)(
  `CO-RE against libbpf on the running kernel${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let dir: string;
    let oracle: OracleOutput;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'bpfkit-core-oracle-'));
      const binary = join(dir, 'oracle');
      execFileSync('cc', ['-O1', '-o', binary, oracleSource, '-lbpf'], { stdio: 'pipe' });
      oracle = runOracle(binary);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('libbpf loads both programs of the fixture (the poisoned instructions are dead code)', () => {
      expect(oracle.loaded.get('skb_fields')).toBe(true);
      expect(oracle.loaded.get('task_fields')).toBe(true);
    });

    it('patches every relocated instruction exactly as libbpf does, for all 13 kinds', () => {
      const { btf, programs } = readPrograms(readFileSync(objectPath));
      const vmlinux = loadKernelBtf();
      const kinds = new Set<number>();
      let compared = 0;
      for (const [name, program] of programs) {
        const results = relocateCore(program.instructions, program.relocations, btf, vmlinux, {
          program: name,
        });
        const theirs = oracle.insns.get(name)!;
        for (const result of results) {
          kinds.add(result.kind);
          const at = result.instruction;
          const slots = program.instructions[at]!.code === 0x18 || result.poisoned ? 2 : 1;
          expect(
            program.instructions.slice(at, at + slots),
            `${name} insn ${at} ${result.accessPath}`,
          ).toEqual(theirs.slice(at, at + slots));
          const logged = oracle.logged.get(`${name}:${at}`);
          if (result.poisoned) expect(logged).toBe('poison');
          else
            expect(logged, `${name} insn ${at} ${result.kindName} ${result.accessPath}`).toBe(
              result.target.value,
            );
          compared++;
        }
      }
      expect(compared).toBe(oracle.logged.size - 1); // libbpf logs both slots of the poisoned ld_imm64
      expect([...kinds].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    });
  },
);
