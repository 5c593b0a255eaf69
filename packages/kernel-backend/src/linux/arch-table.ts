import { NotSupportedError } from '@bpfkit/core';

/** What differs between the architectures the Linux backend runs on; the attr layouts do not. */
export interface ArchConstants {
  /** __NR_bpf */
  bpf: number;
  /** __NR_perf_event_open */
  perfEventOpen: number;
  /** O_DIRECTORY of open(2): arm64 moved it (arch/arm64/include/uapi/asm/fcntl.h) */
  oDirectory: number;
}

/**
 * By Node's process.arch. x86_64: arch/x86/entry/syscalls/syscall_64.tbl; arm64: the generic
 * table, include/uapi/asm-generic/unistd.h. Only x86_64 runs in this project's tests: the arm64
 * row is checked against the headers, not against a kernel.
 */
export const ARCH_CONSTANTS: Readonly<Record<string, ArchConstants>> = {
  x64: { bpf: 321, perfEventOpen: 298, oDirectory: 0o200000 },
  arm64: { bpf: 280, perfEventOpen: 241, oDirectory: 0o40000 },
};

/** The constants of the running architecture; NotSupportedError naming it elsewhere. */
export function hostArch(arch: string = process.arch, platform: string = process.platform): ArchConstants {
  const constants = platform === 'linux' ? ARCH_CONSTANTS[arch] : undefined;
  if (!constants) {
    throw new NotSupportedError(`the Linux backend on ${platform}/${arch}`, undefined, {
      hint: `it runs on linux/${Object.keys(ARCH_CONSTANTS).join(', linux/')}; SimulatedKernel runs anywhere (dry runs, tests)`,
    });
  }
  return constants;
}

/** The running architecture's constants, or x86_64's where there are none (never used there: bind() refuses first). */
export const HOST: ArchConstants = ARCH_CONSTANTS[process.arch] ?? ARCH_CONSTANTS.x64!;
