import type { KconfigValue } from './kconfig-values.js';

/**
 * KERNEL_VERSION(a, b, c) of a uname release ("6.18.44-fc-v657" → 6.18.44), with the patch level
 * capped at 255 as the kernel's own macro does since 4.9.256; what libbpf's get_kernel_version
 * gives LINUX_KERNEL_VERSION. 0 when the release does not start with a version.
 */
export function kernelVersionCode(release: string): number {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!match) return 0;
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  return ((major << 16) | (minor << 8) | Math.min(patch, 255)) >>> 0;
}

/**
 * Whether syscalls enter through arch wrappers (__x64_sys_bpf), which is what BPF_KSYSCALL needs
 * to know; libbpf probes it by creating a kprobe, this looks the wrapper up in kallsyms instead
 * (so it answers true here even where kprobes are compiled out and libbpf would answer false).
 */
export function hasSyscallWrapper(
  kallsyms: ReadonlyMap<string, bigint>,
  arch: string = process.arch,
): boolean {
  const prefix: Record<string, string> = {
    x64: '__x64_',
    ia32: '__ia32_',
    arm64: '__arm64_',
    s390x: '__s390x_',
    riscv64: '__riscv_',
  };
  const pfx = prefix[arch];
  return pfx !== undefined && kallsyms.has(`${pfx}sys_bpf`);
}

/** What the loader knows about the running kernel for the virtual LINUX_* externs. */
export interface LinuxFacts {
  /** uname release, e.g. os.release() */
  kernelRelease: string;
  /** the kernel has bpf_get_attach_cookie (a feature probe) */
  hasBpfCookie: boolean;
  /** see hasSyscallWrapper */
  hasSyscallWrapper: boolean;
}

/** The values libbpf computes itself for LINUX_KERNEL_VERSION, LINUX_HAS_BPF_COOKIE, LINUX_HAS_SYSCALL_WRAPPER. */
export function linuxVirtualValues(facts: LinuxFacts): Map<string, KconfigValue> {
  return new Map<string, KconfigValue>([
    ['LINUX_KERNEL_VERSION', { kind: 'number', value: BigInt(kernelVersionCode(facts.kernelRelease)) }],
    ['LINUX_HAS_BPF_COOKIE', { kind: 'number', value: facts.hasBpfCookie ? 1n : 0n }],
    ['LINUX_HAS_SYSCALL_WRAPPER', { kind: 'number', value: facts.hasSyscallWrapper ? 1n : 0n }],
  ]);
}
