import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MapType } from '@bpfkit/core';
import { LinuxBackend } from '../linux/linux-backend.js';

/**
 * Whether the real kernel can be used here, and why not. With BPFKIT_REQUIRE_KERNEL=1 (CI) a
 * kernel that cannot be used is a failure, never a silent skip.
 */
function probeKernel(): { ok: true; backend: LinuxBackend } | { ok: false; why: string } {
  try {
    const backend = new LinuxBackend();
    backend
      .createMap({ type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0, name: 'gate' })
      .close();
    return { ok: true, backend };
  } catch (error) {
    return { ok: false, why: `the bpf() syscall is not usable here: ${(error as Error).message}` };
  }
}

const gate = probeKernel();
if (!gate.ok && process.env.BPFKIT_REQUIRE_KERNEL === '1') {
  throw new Error(`BPFKIT_REQUIRE_KERNEL=1 but ${gate.why}`);
}

export const kernelOk = gate.ok;
export const kernelSkipReason = gate.ok ? '' : gate.why;

/** The shared Linux backend; only call it inside tests gated by kernelOk. */
export function linuxBackend(): LinuxBackend {
  if (!gate.ok) throw new Error(gate.why);
  return gate.backend;
}

/** A fresh bpffs mounted on a temporary directory, so pins never collide; unmount() removes it. */
export function mountBpffs(): { dir: string; unmount(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-bpffs-'));
  execFileSync('mount', ['-t', 'bpf', 'bpf', dir]);
  return {
    dir,
    unmount() {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `r0 = imm; exit` as encoded instructions (BPF_ALU64|BPF_MOV|BPF_K, BPF_JMP|BPF_EXIT). */
export function returnImmediate(imm: number): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0xb7;
  view.setInt32(4, imm, true);
  bytes[8] = 0x95;
  return bytes;
}

export const u32 = (value: number): Uint8Array => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
};

export const u64 = (value: bigint): Uint8Array => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value, true);
  return bytes;
};

export const readU32 = (bytes: Uint8Array, offset = 0): number =>
  new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, true);

export const readU64 = (bytes: Uint8Array, offset = 0): bigint =>
  new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(offset, true);
