// A private bpffs for the open+load rows: objects with LIBBPF_PIN_BY_NAME maps pin into it, so
// runs never touch /sys/fs/bpf nor see each other's pins.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Mounts a fresh bpffs on a temporary directory, calls `use(pinRoot)` with an empty directory in
 * it (the bpffs root itself holds the preload's maps.debug and progs.debug), then unmounts it.
 */
export async function withPrivateBpffs(use) {
  const mountPoint = mkdtempSync(join(tmpdir(), 'bpfkit-bench-'));
  try {
    execFileSync('mount', ['-t', 'bpf', 'bpf', mountPoint], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    rmdirSync(mountPoint);
    throw new Error(`cannot mount a bpffs on ${mountPoint} (the open+load row needs root): ${error.message}`);
  }
  try {
    const pinRoot = join(mountPoint, 'pins');
    mkdirSync(pinRoot);
    return await use(pinRoot);
  } finally {
    execFileSync('umount', [mountPoint]);
    rmdirSync(mountPoint);
  }
}

/** Unpins everything under `pinRoot`, so that the next load creates its maps again. */
export function clearPins(pinRoot) {
  for (const name of readdirSync(pinRoot)) unlinkSync(join(pinRoot, name));
}
