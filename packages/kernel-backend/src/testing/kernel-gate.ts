import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MapType } from '@bpfkit/core';
import { LinuxBackend } from '../linux/linux-backend.js';

/**
 * Test support shared by every package's kernel tests (`@bpfkit/kernel-backend/testing`): whether
 * the real kernel can be used and why not. Under BPFKIT_REQUIRE_KERNEL=1 (CI) a test that would
 * skip fails instead, so a silent skip never passes CI.
 */
function probeKernel(): string | undefined {
  try {
    new LinuxBackend()
      .createMap({ type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0, name: 'gate' })
      .close();
    return undefined;
  } catch (error) {
    return `the bpf() syscall is not usable here: ${(error as Error).message}`;
  }
}

let kernelProblem: string | undefined | null = null;

/** Whether a command is on PATH. */
export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/**
 * The reason a kernel test cannot run here (no usable bpf(), or a missing command), or undefined
 * when it can. Throws under BPFKIT_REQUIRE_KERNEL=1 instead of returning a reason.
 */
export function kernelSkipReason(...commands: string[]): string | undefined {
  if (kernelProblem === null) kernelProblem = probeKernel();
  const reason =
    kernelProblem ?? commands.filter((c) => !hasCommand(c)).map((c) => `${c} is not installed`)[0];
  if (reason && process.env.BPFKIT_REQUIRE_KERNEL === '1') {
    throw new Error(`a kernel test must run (BPFKIT_REQUIRE_KERNEL=1) but cannot: ${reason}`);
  }
  return reason;
}

/** A private bpffs mounted on a temporary directory, so pins never collide; unmount() removes it. */
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
