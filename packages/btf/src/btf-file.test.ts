import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { readBtfFile } from './btf-file.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const haveVmlinux = existsSync(VMLINUX);
if (!haveVmlinux && process.env.BPFKIT_REQUIRE_KERNEL === '1') {
  throw new Error(`the kernel BTF read test needs ${VMLINUX}`);
}

/** Whether this process has the file mapped, from the kernel's own list of its mappings. */
function mapsFile(path: string): boolean {
  return readFileSync('/proc/self/maps', 'utf8').includes(` ${path}\n`);
}

describe('readBtfFile', () => {
  it.skipIf(!haveVmlinux)("gives the kernel's BTF byte for byte, mapped where the kernel allows it", () => {
    const bytes = readBtfFile(VMLINUX);
    expect(Buffer.from(bytes).equals(readFileSync(VMLINUX))).toBe(true);
    // Linux 6.16 added mmap of sysfs vmlinux BTF; older kernels refuse and the file is read
    const [major = 0, minor = 0] = release().split('.').map(Number);
    expect(mapsFile(VMLINUX)).toBe(major > 6 || (major === 6 && minor >= 16));
  });

  it('reads a BTF file that is not the kernel sysfs one, never mapping it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfkit-btf-file-'));
    try {
      const path = join(dir, 'x.btf');
      writeFileSync(path, Uint8Array.from([0x9f, 0xeb, 1, 0]));
      expect([...readBtfFile(path)]).toEqual([0x9f, 0xeb, 1, 0]);
      expect(mapsFile(path)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('says NotFound for a missing file, on the mapped path and the read one', () => {
    expect(() => readBtfFile('/sys/kernel/btf/no_such_module')).toThrow(NotFoundError);
    expect(() => readBtfFile('/no/such/file.btf')).toThrow(NotFoundError);
  });
});
