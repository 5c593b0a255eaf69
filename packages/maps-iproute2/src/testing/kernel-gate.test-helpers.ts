import { execFileSync } from 'node:child_process';
import { LinuxBackend } from '@bpfkit/kernel-backend';
import { mountBpffs, kernelSkipReason as skipReason } from '@bpfkit/kernel-backend/testing';

export { mountBpffs };

// The shared gate of @bpfkit/kernel-backend/testing: under BPFKIT_REQUIRE_KERNEL=1 a kernel test that
// cannot run fails instead of skipping.
const why = skipReason('bpftool');

export const kernelOk = why === undefined;
export const kernelSkipReason = why ?? '';

let backend: LinuxBackend | undefined;

/** The Linux backend; only call it inside tests gated by kernelOk. */
export function linuxBackend(): LinuxBackend {
  if (why !== undefined) throw new Error(why);
  backend ??= new LinuxBackend();
  return backend;
}

/** bpftool's JSON output, or undefined when bpftool is not installed. */
export function bpftoolJson(...args: string[]): unknown {
  return JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' }));
}
