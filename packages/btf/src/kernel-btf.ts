import { readFileSync } from 'node:fs';
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
    btf = parseBtf(readFileSync(path), { validate: false });
    loaded.set(path, btf);
  }
  return btf;
}
