import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MapType } from '@bpfkit/core';
import { LinuxBackend } from '@bpfkit/kernel-backend';

/** A fresh bpffs on a temporary directory, so pins never collide; unmount() removes it. */
export function mountBpffs(): { dir: string; unmount(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-bcc-bpffs-'));
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

/**
 * Whether the real kernel (bpf(), a private bpffs mount and bpftool) can be used here, and why
 * not. With BPFKIT_REQUIRE_KERNEL=1 (CI) a kernel that cannot be used fails, never skips.
 */
function probeKernel(): { ok: true; backend: LinuxBackend } | { ok: false; why: string } {
  try {
    const backend = new LinuxBackend();
    backend
      .createMap({ type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0, name: 'gate' })
      .close();
    mountBpffs().unmount();
    execFileSync('bpftool', ['version'], { stdio: 'pipe' });
    return { ok: true, backend };
  } catch (error) {
    return {
      ok: false,
      why: `the bpf() syscall, a bpffs mount or bpftool is not usable here: ${(error as Error).message}`,
    };
  }
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

/** bpftool's JSON output. */
export function bpftoolJson(...args: string[]): unknown {
  return JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' }));
}
