import { readFileSync } from 'node:fs';
import { NotFoundError, UsageError } from '@bpfkit/core';
import { type Btf, parseBtf } from './btf.js';

const loaded = new Map<string, Btf>();

/**
 * The running kernel's BTF, read and parsed once per process and path, then shared: queries on
 * it are lazy, so keeping it around costs about its file size. The kernel validated this BTF
 * itself, so parsing checks structure only; references are still checked as types are decoded.
 */
export function loadKernelBtf(path = '/sys/kernel/btf/vmlinux'): Btf {
  let btf = loaded.get(path);
  if (!btf) {
    btf = parseBtf(readBtfFile(path), { validate: false });
    loaded.set(path, btf);
  }
  return btf;
}

/** The BTF file, or a typed error: the running kernel may lack BTF, or the path may be wrong. */
function readBtfFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new NotFoundError(`no BTF at ${path}`, {
        hint: 'the kernel needs CONFIG_DEBUG_INFO_BTF for /sys/kernel/btf/vmlinux; or give a BTF file (--btf PATH)',
        cause: error,
      });
    }
    throw new UsageError(`cannot read BTF ${path}: ${code ?? String(error)}`, { cause: error });
  }
}
