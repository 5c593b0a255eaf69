import { lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ObjectSpec } from '@bpfkit/core';
import { GLOBALS_DIR, TC_DIR } from './pin-paths.js';

/** libbpf's and iproute2's bpffs mount. */
export const DEFAULT_BPFFS_ROOT = '/sys/fs/bpf';

/**
 * Lays out a bpffs mount the way iproute2 does on first use (bpf_gen_hierarchy): tc/ and
 * tc/globals/, with xdp/ and ip/ as symlinks to tc so every tool shares the globals. Our links
 * are relative ("tc"), so the layout survives mounting the bpffs elsewhere; iproute2 writes an
 * absolute target, which resolves to the same directory. Existing entries are kept; an xdp/ or
 * ip/ that is a real directory gets its own globals/, as iproute2 does.
 *
 * With a spec, also creates the parent directories of its path pins (tc/<sha1>/, custom
 * subpaths): iproute2 makes them when it pins, bpfkit's loader pins into existing directories.
 */
export function prepareIproute2PinRoot(pinRoot: string = DEFAULT_BPFFS_ROOT, spec?: ObjectSpec): void {
  mkdirSync(join(pinRoot, TC_DIR, GLOBALS_DIR), { recursive: true, mode: 0o700 });
  for (const alias of ['xdp', 'ip']) {
    const path = join(pinRoot, alias);
    try {
      symlinkSync(TC_DIR, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!lstatSync(path).isSymbolicLink())
        mkdirSync(join(path, GLOBALS_DIR), { recursive: true, mode: 0o700 });
    }
  }
  for (const map of spec?.maps ?? []) {
    if (map.pinning.kind !== 'path') continue;
    const path = map.pinning.path.startsWith('/') ? map.pinning.path : join(pinRoot, map.pinning.path);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  }
}
