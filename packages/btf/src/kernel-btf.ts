import { type Btf, parseBtf } from './btf.js';
import { readBtfFile } from './btf-file.js';

const loaded = new Map<string, Btf>();

/**
 * The running kernel's BTF, read (mapped, where the kernel allows: readBtfFile) and parsed once
 * per process and path, then shared: queries on it are lazy, so keeping it around costs little
 * beyond its bytes, which a mapping shares with the kernel. The bytes are read-only. The kernel validated this BTF
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
