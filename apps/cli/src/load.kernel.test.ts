import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { kernelSkipReason, mountBpffs } from '@bpfkit/kernel-backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './main.js';

const fixturePath = (name: string) => new URL(`../../../fixtures/${name}`, import.meta.url).pathname;
const skip = kernelSkipReason('bpftool');

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

interface BpftoolProg {
  id: number;
  type: string;
  name: string;
  map_ids?: number[];
}

describe.skipIf(skip)(`bpfkit load into the real kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let bpffs: ReturnType<typeof mountBpffs>;
  beforeAll(() => {
    bpffs = mountBpffs();
  });
  afterAll(() => bpffs?.unmount());

  for (const [fixture, type] of [
    ['legacy_xdp', 'xdp'],
    ['legacy_sockfilter', 'socket_filter'],
  ] as const) {
    it(`loads ${fixture} (legacy maps) where bpftool prog loadall refuses it`, async () => {
      const pinDir = `${bpffs.dir}/${fixture}`;
      const { code, stdout, stderr } = await run(
        'load',
        fixturePath(`${fixture}.bpfel.o`),
        '--pin-dir',
        pinDir,
        '--json',
      );
      expect(code, stderr).toBe(0);
      const report = JSON.parse(stdout) as {
        programs: { name: string; type: string; id: number }[];
        maps: { name: string; id: number }[];
      };
      expect(report.programs).toHaveLength(1);
      const [program] = report.programs;

      // The kernel's own view, through bpftool: type, name and the maps the program uses.
      const shown = JSON.parse(
        execFileSync('bpftool', ['-j', 'prog', 'show', 'id', String(program!.id)], { encoding: 'utf8' }),
      ) as BpftoolProg;
      expect(shown.type).toBe(type);
      // bpftool shows the BTF name when func_info was loaded, else the kernel's 15-character name.
      expect(shown.name).toBe(program!.name);
      expect(new Set(shown.map_ids)).toEqual(new Set(report.maps.map((m) => m.id)));
      expect(existsSync(`${pinDir}/${program!.name}`)).toBe(true);
      const pinned = JSON.parse(
        execFileSync('bpftool', ['-j', 'prog', 'show', 'pinned', `${pinDir}/${program!.name}`], {
          encoding: 'utf8',
        }),
      );
      expect(pinned.id).toBe(program!.id);

      // libbpf >= 1.0 (bpftool 7) refuses the same object's legacy SEC("maps").
      const bpftool = spawnSync(
        'bpftool',
        ['prog', 'loadall', fixturePath(`${fixture}.bpfel.o`), `${bpffs.dir}/bpftool-${fixture}`],
        {
          encoding: 'utf8',
        },
      );
      expect(bpftool.status).not.toBe(0);
      expect(bpftool.stderr).toMatch(/legacy map definitions|maps.*not supported/i);
    });
  }

  it('exits 1 with the verifier words when the kernel refuses a program, leaving no pin', async () => {
    const pinDir = `${bpffs.dir}/unsafe`;
    const { code, stderr } = await run('load', fixturePath('unsafe_null_deref.bpfel.o'), '--pin-dir', pinDir);
    expect(code).toBe(1);
    expect(stderr).toContain('program unchecked_lookup');
    expect(stderr).toMatch(/invalid mem access 'map_value_or_null'/);
    expect(existsSync(`${pinDir}/unchecked_lookup`)).toBe(false);
  });
});
