import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundError, NotSupportedError } from '@bpfkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireFeature } from '../../testing/attach.test-helpers.js';
import { ET_DYN, ET_EXEC, readHostElf } from '../host-elf.js';
import { readUsdtNotes } from './usdt-notes.js';
import { buildUsdtTarget, readelfNotes, usdtTargetBuildProblem } from './usdt-target.test-helpers.js';
import { processMappings, usdtTargets } from './usdt-targets.js';

const problem = usdtTargetBuildProblem();
requireFeature(problem === undefined, `the USDT target cannot be built: ${problem}`);

const fixture = (name: string) => new URL(`../../../../../fixtures/${name}`, import.meta.url).pathname;
const hex = (n: bigint) => `0x${n.toString(16).padStart(16, '0')}`;

describe.skipIf(problem !== undefined)(
  `USDT notes and targets of a gcc-built binary${problem ? ` (skipped: ${problem})` : ''}`,
  () => {
    let dir: string;
    const binaries: Record<'pie' | 'exec', string> = { pie: '', exec: '' };

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'bpfkit-usdt-'));
      binaries.pie = buildUsdtTarget(mkdtempSync(join(dir, 'pie-')));
      binaries.exec = buildUsdtTarget(mkdtempSync(join(dir, 'exec-')), ['-no-pie']);
    });
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    const elfOf = (kind: 'pie' | 'exec') => readHostElf(readFileSync(binaries[kind]), binaries[kind]);

    it.each(['pie', 'exec'] as const)('reads every note of a %s binary as readelf -n does', (kind) => {
      const notes = readUsdtNotes(elfOf(kind)).map((n) => ({
        provider: n.provider,
        name: n.name,
        location: hex(n.location),
        base: hex(n.base),
        semaphore: hex(n.semaphore),
        args: n.args,
      }));
      expect(notes).toEqual(readelfNotes(binaries[kind]));
      expect(notes.map((n) => `${n.provider}:${n.name}`)).toEqual([
        'bpfkit:args',
        'bpfkit:twelve',
        'bpfkit:guarded',
      ]);
    });

    it.each(['pie', 'exec'] as const)(
      'puts each %s probe at its nop in the file and its semaphore in .probes',
      (kind) => {
        const elf = elfOf(kind);
        expect(elf.type).toBe(kind === 'pie' ? ET_DYN : ET_EXEC);
        for (const name of ['args', 'guarded']) {
          const [target, ...more] = usdtTargets(elf, 'bpfkit', name, { bpfCookie: true });
          expect(more).toEqual([]);
          // sdt.h places a one-byte nop at every probe site
          expect(elf.bytes[Number(target!.fileOffset)]).toBe(0x90);
          expect(target!.absoluteIp).toBe(target!.note.location);
          const probes = elf.sections.find((s) => s.name === '.probes')!;
          expect(target!.semaphoreOffset).toBe(name === 'guarded' ? BigInt(probes.offset) : 0n);
          expect(target!.args.length).toBe(name === 'args' ? 5 : 2);
        }
        if (kind === 'exec') {
          // a non-PIE executable is linked at 0x400000: the file offset is not the address
          const [target] = usdtTargets(elf, 'bpfkit', 'args', { bpfCookie: true });
          expect(target!.fileOffset).not.toBe(target!.note.location);
        }
      },
    );

    it('finds probes and semaphores of a shared library', () => {
      const library = join(dir, 'libbpfkit_usdt.so');
      execFileSync('gcc', ['-O2', '-shared', '-fPIC', '-o', library, fixture('usdt_guarded.c')]);
      const elf = readHostElf(readFileSync(library), library);
      expect(elf.type).toBe(ET_DYN);
      const [target] = usdtTargets(elf, 'bpfkit', 'guarded', { bpfCookie: true });
      expect(elf.bytes[Number(target!.fileOffset)]).toBe(0x90);
      expect(target!.semaphoreOffset).toBe(BigInt(elf.sections.find((s) => s.name === '.probes')!.offset));
      expect(target!.note.args).toBe(readelfNotes(library)[0]!.args);
    });

    it('moves addresses by how far .stapsdt.base moved since the notes were written (prelink)', () => {
      const elf = elfOf('pie');
      const before = usdtTargets(elf, 'bpfkit', 'args', { bpfCookie: true })[0]!;
      // move the section's sh_addr by 4 in a copy, as prelink moves sections
      const bytes = new Uint8Array(elf.bytes);
      const view = new DataView(bytes.buffer);
      const shoff = Number(view.getBigUint64(0x28, true));
      const index = elf.sections.findIndex((s) => s.name === '.stapsdt.base');
      const at = shoff + index * 64 + 16;
      view.setBigUint64(at, view.getBigUint64(at, true) + 4n, true);
      const after = usdtTargets(readHostElf(bytes, elf.path), 'bpfkit', 'args', { bpfCookie: true })[0]!;
      expect([after.absoluteIp - before.absoluteIp, after.fileOffset - before.fileOffset]).toEqual([4n, 4n]);
    });

    it('without BPF cookies, needs the process mappings of a PIE for absolute ips, and not of an executable', () => {
      const pie = elfOf('pie');
      expect(() => usdtTargets(pie, 'bpfkit', 'args', { bpfCookie: false })).toThrow(NotSupportedError);
      const [withCookie] = usdtTargets(pie, 'bpfkit', 'args', { bpfCookie: true });
      const maps = [
        `55d0c0a00000-55d0c0a01000 r--p 00000000 fe:01 1234   ${pie.path}`,
        `55d0c0a01000-55d0c0a02000 r-xp 00001000 fe:01 1234   ${pie.path}`,
        '7ffd1e5fe000-7ffd1e600000 r-xp 00000000 00:00 0      [vdso]',
      ].join('\n');
      const mappings = processMappings(maps, pie.path);
      expect(mappings).toEqual([
        { start: 0x55d0c0a01000n, end: 0x55d0c0a02000n, offset: 0x1000n, executable: true },
      ]);
      const [target] = usdtTargets(pie, 'bpfkit', 'args', { bpfCookie: false, mappings });
      expect(target!.absoluteIp).toBe(0x55d0c0a01000n - 0x1000n + withCookie!.fileOffset);

      const exec = elfOf('exec');
      const [fixed] = usdtTargets(exec, 'bpfkit', 'args', { bpfCookie: false });
      expect(fixed!.absoluteIp).toBe(fixed!.note.location);
    });

    it('names the probes a binary has when the one asked for is not there', () => {
      expect(() => usdtTargets(elfOf('pie'), 'bpfkit', 'nope', { bpfCookie: true })).toThrow(NotFoundError);
      expect(() => usdtTargets(elfOf('pie'), 'bpfkit', 'nope', { bpfCookie: true })).toThrow(
        expect.objectContaining({ hint: 'its probes: bpfkit:args, bpfkit:twelve, bpfkit:guarded' }),
      );
      const noNotes = readHostElf(readFileSync('/bin/sh'), '/bin/sh');
      expect(() => readUsdtNotes(noNotes)).toThrow(/no .note.stapsdt section/);
    });
  },
);
