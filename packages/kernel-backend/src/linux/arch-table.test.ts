import { existsSync, readFileSync } from 'node:fs';
import { NotSupportedError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { ARCH_CONSTANTS, hostArch } from './arch-table.js';

/** `#define __NR_<name> <n>` of a unistd header, when the header is installed. */
function headerNumber(path: string, name: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const match = new RegExp(`#define __NR_${name}\\s+(\\d+)`).exec(readFileSync(path, 'utf8'));
  return match ? Number(match[1]) : undefined;
}

// Only x86_64 runs here: the arm64 row is checked against the generic table it uses
// (linux-libc-dev's asm-generic/unistd.h), and by hand against arch/arm64's fcntl.h for O_DIRECTORY.
describe('syscall numbers per architecture', () => {
  it.each([
    ['x64', '/usr/include/x86_64-linux-gnu/asm/unistd_64.h'],
    ['arm64', '/usr/include/asm-generic/unistd.h'],
  ])('%s: bpf and perf_event_open as the kernel headers number them', (arch, header) => {
    const row = ARCH_CONSTANTS[arch]!;
    expect([row.bpf, row.perfEventOpen]).toEqual(arch === 'x64' ? [321, 298] : [280, 241]);
    const fromHeader = [headerNumber(header, 'bpf'), headerNumber(header, 'perf_event_open')];
    if (fromHeader[0] !== undefined) expect(fromHeader).toEqual([row.bpf, row.perfEventOpen]);
  });

  it('moves O_DIRECTORY on arm64, as its fcntl.h does', () => {
    expect(ARCH_CONSTANTS.x64!.oDirectory).toBe(0o200000);
    expect(ARCH_CONSTANTS.arm64!.oDirectory).toBe(0o40000);
  });

  it('refuses other platforms with NotSupportedError naming the platform and what runs there', () => {
    expect(hostArch('x64', 'linux').bpf).toBe(321);
    expect(() => hostArch('riscv64', 'linux')).toThrow(NotSupportedError);
    expect(() => hostArch('arm64', 'darwin')).toThrow(/the Linux backend on darwin\/arm64/);
  });
});
