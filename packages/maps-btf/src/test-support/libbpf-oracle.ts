// libbpf as an oracle: a small C program, compiled at test time, opens an object with
// bpf_object__open (no load) and prints its maps as JSON.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OracleMap {
  name: string;
  type: number;
  key_size: number;
  value_size: number;
  max_entries: number;
  map_flags: number;
  numa_node: number;
  map_extra: number;
  pin_path: string | null;
  btf_key_type_id: number;
  btf_value_type_id: number;
  inner: OracleMap | null;
}

const source = new URL('./libbpf-map-oracle.c', import.meta.url).pathname;

/** Builds the oracle; returns its path, or why it could not be built (no cc, no libbpf-dev). */
export function buildOracle(): { path: string } | { reason: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'bpfkit-maps-btf-')), 'libbpf-map-oracle');
  try {
    execFileSync('cc', ['-O1', '-o', path, source, '-lbpf'], { stdio: 'pipe' });
    return { path };
  } catch (error) {
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim() || String(error);
    return { reason: `cannot build the libbpf oracle with cc -lbpf (install gcc and libbpf-dev): ${detail}` };
  }
}

export function runOracle(
  oracle: string,
  object: string,
  relaxed = false,
): { object: string; maps: OracleMap[] } {
  const out = execFileSync(oracle, relaxed ? [object, 'relaxed'] : [object], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out.toString());
}
