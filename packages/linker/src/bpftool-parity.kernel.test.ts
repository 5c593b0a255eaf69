import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelSkipReason, mountBpffs } from '@bpfkit/kernel-backend/testing';
import { createLoader } from '@bpfkit/loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, linkFixtures } from './fixtures.test-helpers.js';
import { readInput } from './input-object.js';

// bpfkit's linker against libbpf's (`bpftool gen object`), on the same inputs: both outputs load,
// with libbpf and with bpfkit, and the kernel ends up with the same instructions for every program.
const skip = kernelSkipReason('bpftool');
// each `bpftool prog dump xlated` parses the kernel's BTF (about a second on a busy machine)
const SLOW = 180_000;

const bpftoolJson = (...args: string[]) =>
  JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' }));

/** name -> xlated instructions, with map ids replaced by map names so two loads compare. */
function xlated(programIds: readonly number[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const id of programIds) {
    const program = bpftoolJson('prog', 'show', 'id', String(id));
    const names = new Map<string, string>();
    for (const mapId of (program.map_ids as number[] | undefined) ?? []) {
      names.set(String(mapId), bpftoolJson('map', 'show', 'id', String(mapId)).name);
    }
    out[program.name] = execFileSync('bpftool', ['prog', 'dump', 'xlated', 'id', String(id)], {
      encoding: 'utf8',
    })
      .replace(/map\[id:(\d+)\]/g, (_, mapId: string) => `map[${names.get(mapId)}]`)
      // addresses of subprograms and map values differ between loads
      .replace(/0x[0-9a-f]{12,16}/g, '<address>');
  }
  return out;
}

describe.skipIf(skip)(`bpfkit link and bpftool gen object${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let bpffs: ReturnType<typeof mountBpffs>;
  let work: string;
  beforeAll(() => {
    bpffs = mountBpffs();
    work = mkdtempSync(join(tmpdir(), 'bpfkit-link-'));
  });
  afterAll(() => {
    bpffs?.unmount();
    rmSync(work, { recursive: true, force: true });
  });

  /** Loads an object with libbpf (bpftool prog loadall), returning its programs' ids. */
  function loadWithLibbpf(object: string, pins: string): number[] {
    mkdirSync(pins);
    const result = spawnSync('bpftool', ['prog', 'loadall', object, pins], { encoding: 'utf8' });
    expect(result.status, `bpftool prog loadall ${object}: ${result.stderr}`).toBe(0);
    return readdirSync(pins).map(
      (name) => bpftoolJson('prog', 'show', 'pinned', join(pins, name)).id as number,
    );
  }

  async function loadWithBpfkit(object: string): Promise<{ ids: number[]; close(): void }> {
    const loader = createLoader();
    const loaded = await loader.load(loader.open(object));
    return { ids: [...loaded.programs.values()].map((p) => p.info().id), close: () => loaded.close() };
  }

  // bpfkit's loader refuses relocations outside every function, which libbpf's linker leaves in
  // the body of an overridden weak function (libbpf's loader skips them): bpftool's funcs_a+b
  // output has some, so only bpfkit's own output of that pair goes through bpfkit's loader.
  for (const [pair, programs, bpfkitLoadsTheirs] of [
    [['funcs_a', 'funcs_b'], ['prog_a', 'prog_b'], false],
    [['vars_a', 'vars_b'], ['prog_vars_a', 'prog_vars_b'], true],
  ] as const) {
    it(
      `${pair.join(' + ')}: the same programs reach the kernel from both linkers`,
      async () => {
        const ours = join(work, `${pair.join('+')}.bpfkit.o`);
        const theirs = join(work, `${pair.join('+')}.bpftool.o`);
        writeFileSync(ours, linkFixtures(pair));
        execFileSync('bpftool', ['gen', 'object', theirs, ...pair.map((name) => fixturePath(name))]);
        // as many BTF types as libbpf's btf__dedup leaves
        const typeCount = (path: string) =>
          readInput({ name: path, bytes: readFileSync(path) }).btf.typeCount;
        expect(typeCount(ours)).toBe(typeCount(theirs));

        const libbpfOurs = xlated(loadWithLibbpf(ours, join(bpffs.dir, `${pair[0]}-ours`)));
        const libbpfTheirs = xlated(loadWithLibbpf(theirs, join(bpffs.dir, `${pair[0]}-theirs`)));
        expect(Object.keys(libbpfOurs).sort()).toEqual([...programs]);
        expect(libbpfOurs).toEqual(libbpfTheirs);

        const bpfkitOurs = await loadWithBpfkit(ours);
        try {
          const fromOurs = xlated(bpfkitOurs.ids);
          expect(Object.keys(fromOurs).sort()).toEqual([...programs]);
          // bpfkit's load of bpfkit's linked object is libbpf's load of libbpf's, instruction for instruction
          expect(fromOurs).toEqual(libbpfTheirs);
          if (bpfkitLoadsTheirs) {
            const bpfkitTheirs = await loadWithBpfkit(theirs);
            try {
              expect(xlated(bpfkitTheirs.ids)).toEqual(fromOurs);
            } finally {
              bpfkitTheirs.close();
            }
          }
        } finally {
          bpfkitOurs.close();
        }
      },
      SLOW,
    );
  }

  it(
    'libbpf loads our funcs_b + funcs_a, where the map extern comes before its definition',
    async () => {
      // libbpf 1.1's own linker keeps the extern's DATASEC offset for `hits` there, so its loader
      // cannot find the map; bpfkit places the VAR at the definition's offset.
      const ours = join(work, 'funcs_b+funcs_a.bpfkit.o');
      writeFileSync(ours, linkFixtures(['funcs_b', 'funcs_a']));
      const fromLibbpf = xlated(loadWithLibbpf(ours, join(bpffs.dir, 'reversed')));
      const bpfkit = await loadWithBpfkit(ours);
      try {
        expect(xlated(bpfkit.ids)).toEqual(fromLibbpf);
      } finally {
        bpfkit.close();
      }
    },
    SLOW,
  );
});
