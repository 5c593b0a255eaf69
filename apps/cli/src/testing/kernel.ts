import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MapType } from '@bpfkit/core';
import { LinuxBackend } from '@bpfkit/kernel-backend';

/** Why the real kernel cannot be used here, or undefined when it can. */
function kernelUnavailable(): string | undefined {
  try {
    new LinuxBackend()
      .createMap({ type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0, name: 'probe' })
      .close();
    return undefined;
  } catch (error) {
    return `bpf() unavailable: ${(error as Error).message}`;
  }
}

/** Whether a command exists on PATH. */
export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/**
 * The reason to skip a kernel test, or undefined to run it. Under BPFKIT_REQUIRE_KERNEL=1 (CI) a
 * test that would skip throws instead, so a silent skip can never pass CI.
 */
export function kernelSkipReason(...commands: string[]): string | undefined {
  const reason =
    kernelUnavailable() ?? commands.filter((c) => !hasCommand(c)).map((c) => `${c} not installed`)[0];
  if (reason && process.env.BPFKIT_REQUIRE_KERNEL === '1') {
    throw new Error(`kernel test required (BPFKIT_REQUIRE_KERNEL=1) but cannot run: ${reason}`);
  }
  return reason;
}

/** A private bpffs mounted on a temporary directory, so pins never collide with anything else. */
export function mountBpffs(): { dir: string; unmount(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-bpffs-'));
  execFileSync('mount', ['-t', 'bpf', 'bpf', dir]);
  return {
    dir,
    unmount() {
      spawnSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
