import { spawnSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './network.js';

/** The bpffs every tool finds by default: tc, libbpf and bpftool all look here. */
export const SYSTEM_BPFFS = '/sys/fs/bpf';

// What tc (bpf_gen_hierarchy) and bpfkit-tc may add under the mount, deepest first.
const LAYOUT = ['tc/links', 'tc/globals', 'tc', 'ip', 'xdp'] as const;
// What the kernel puts in every fresh bpffs (the bpf_preload iterators).
const PRELOADED = new Set(['maps.debug', 'progs.debug']);

const isBpffsMount = () =>
  readFileSync('/proc/mounts', 'latin1')
    .split('\n')
    .some((line) => line.split(' ')[1] === SYSTEM_BPFFS && line.split(' ')[2] === 'bpf');

const exists = (path: string) => {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

/**
 * Uses the real /sys/fs/bpf and remembers what was there, so restore() removes exactly what the
 * test added (its pins, and the directories and links tc or bpfkit-tc made on first use) and
 * nothing that belongs to anyone else.
 */
export function useSystemBpffs(ownPins: readonly string[]): { restore(): void } {
  const mounted = !isBpffsMount();
  if (mounted) run('mount', ['-t', 'bpf', 'bpf', SYSTEM_BPFFS]);
  const stale = ownPins.filter(exists);
  if (stale.length > 0) {
    throw new Error(`${stale.join(', ')} already exist (left by an earlier run?); remove them with rm`);
  }
  const existed = new Set(LAYOUT.filter((entry) => exists(join(SYSTEM_BPFFS, entry))));
  return {
    restore() {
      for (const pin of ownPins) if (exists(pin)) unlinkSync(pin);
      for (const entry of LAYOUT) {
        const path = join(SYSTEM_BPFFS, entry);
        if (existed.has(entry) || !exists(path)) continue;
        try {
          if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
          else rmdirSync(path); // only when empty: someone else's pins keep it
        } catch {
          // not empty: it holds pins that are not the test's
        }
      }
      if (mounted && readdirSync(SYSTEM_BPFFS).every((name) => PRELOADED.has(name))) {
        spawnSync('umount', [SYSTEM_BPFFS]);
      }
    },
  };
}
