import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MapType } from '@bpfkit/core';
import { LinuxBackend } from '@bpfkit/kernel-backend';

/**
 * Whether the real kernel (bpf() and a private bpffs mount) can be used here, and why not. With
 * BPFKIT_REQUIRE_KERNEL=1 (CI) a kernel that cannot be used is a failure, never a silent skip.
 */
function probeKernel(): { ok: true; backend: LinuxBackend } | { ok: false; why: string } {
  try {
    const backend = new LinuxBackend();
    backend
      .createMap({ type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0, name: 'gate' })
      .close();
    mountBpffs().unmount();
    return { ok: true, backend };
  } catch (error) {
    return {
      ok: false,
      why: `the bpf() syscall or a bpffs mount is not usable here: ${(error as Error).message}`,
    };
  }
}

/** A fresh bpffs on a temporary directory, so pins never collide; unmount() removes it. */
export function mountBpffs(): { dir: string; unmount(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-iproute2-bpffs-'));
  try {
    execFileSync('mount', ['-t', 'bpf', 'bpf', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    unmount() {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const gate = probeKernel();
if (!gate.ok && process.env.BPFKIT_REQUIRE_KERNEL === '1') {
  throw new Error(`BPFKIT_REQUIRE_KERNEL=1 but ${gate.why}`);
}

export const kernelOk = gate.ok;
export const kernelSkipReason = gate.ok ? '' : gate.why;

/** The Linux backend; only call it inside tests gated by kernelOk. */
export function linuxBackend(): LinuxBackend {
  if (!gate.ok) throw new Error(gate.why);
  return gate.backend;
}

/** bpftool's JSON output, or undefined when bpftool is not installed. */
export function bpftoolJson(...args: string[]): unknown {
  return JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' }));
}
