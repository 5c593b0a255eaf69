// The object set of the open and open+load rows: every object here that libbpf 1.1 opens and
// loads on this kernel, so both sides do the same work on the same files.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where Debian's xdp-tools installs its prebuilt objects. */
export const XDP_TOOLS_OBJECTS = '/usr/lib/x86_64-linux-gnu/bpf';

// xdpdump_bpf.o holds fentry/fexit programs: this kernel has no trampolines, PROG_LOAD says EPERM.
const EXCLUDED = new Set(['xdpdump_bpf.o']);

/**
 * Absolute paths of the benchmark objects: two of bpfkit's own fixtures and the xdp-tools objects.
 * The legacy `SEC("maps")` fixtures are left out because libbpf >= 1.0 refuses them.
 */
export function objectFixtures() {
  const ours = ['fixtures/global_vars.bpfel.o', 'packages/maps-btf/src/fixtures/btf_maps.bpfel.o'].map((p) =>
    join(root, p),
  );
  const xdpTools = readdirSync(XDP_TOOLS_OBJECTS)
    .filter((f) => f.endsWith('.o') && !EXCLUDED.has(f))
    .sort()
    .map((f) => join(XDP_TOOLS_OBJECTS, f));
  return [...ours, ...xdpTools];
}
