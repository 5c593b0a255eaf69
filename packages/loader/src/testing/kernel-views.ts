import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** What `bpftool -j prog show` and `map show` say, reduced to what two loaders must agree on. */
export interface KernelView {
  programs: Record<
    string,
    { type: string; bytesXlated: number; maps: string[]; hasBtf: boolean; xlated: string }
  >;
  maps: Record<
    string,
    {
      type: string;
      flags: number;
      key: number;
      value: number;
      maxEntries: number;
      frozen: number;
      hasBtf: boolean;
    }
  >;
}

const bpftool = (...args: string[]) =>
  JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' }));

/**
 * The kernel's view of loaded programs (by id): each program, every map it uses (by name), and its
 * xlated instructions with map ids replaced by map names so two loads can be compared.
 */
export function kernelView(programIds: readonly number[]): KernelView {
  const view: KernelView = { programs: {}, maps: {} };
  for (const id of programIds) {
    const prog = bpftool('prog', 'show', 'id', String(id));
    const mapNames: Record<number, string> = {};
    for (const mapId of (prog.map_ids as number[] | undefined) ?? []) {
      const map = bpftool('map', 'show', 'id', String(mapId));
      mapNames[mapId] = map.name;
      view.maps[map.name] = {
        type: map.type,
        flags: map.flags,
        key: map.bytes_key,
        value: map.bytes_value,
        maxEntries: map.max_entries,
        frozen: map.frozen,
        hasBtf: (map.btf_id ?? 0) > 0,
      };
    }
    const xlated = execFileSync('bpftool', ['prog', 'dump', 'xlated', 'id', String(id)], { encoding: 'utf8' })
      .replace(/map\[id:(\d+)\]/g, (_, mapId: string) => `map[${mapNames[Number(mapId)] ?? '?'}]`)
      .replace(/0x[0-9a-f]{12,16}/g, '<address>');
    view.programs[prog.name] = {
      type: prog.type,
      bytesXlated: prog.bytes_xlated,
      maps: Object.values(mapNames).sort(),
      hasBtf: (prog.btf_id ?? 0) > 0,
      xlated,
    };
  }
  return view;
}

/**
 * Loads an object with libbpf (bpftool prog loadall) pinning its programs under `pinDir`, and
 * returns the pinned programs' ids; undefined with libbpf's words when it refuses the object.
 */
export function loadWithLibbpf(object: string, pinDir: string): { ids: number[] } | { refused: string } {
  const result = spawnSync('bpftool', ['prog', 'loadall', object, pinDir], { encoding: 'utf8' });
  if (result.status !== 0) return { refused: result.stderr };
  return {
    ids: readdirSync(pinDir).map(
      (name) => bpftool('prog', 'show', 'pinned', join(pinDir, name)).id as number,
    ),
  };
}
