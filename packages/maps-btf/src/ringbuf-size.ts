/** The page size libbpf's adjust_ringbuf_sz rounds to; specs are machine-independent, so fixed. */
export const RINGBUF_PAGE_SIZE = 4096;

/**
 * libbpf's adjust_ringbuf_sz: the kernel wants a ring buffer's max_entries to be a power-of-two
 * multiple of the page size, so a size that is not is rounded up to the next one. 0 stays 0 (the
 * kernel then reports the missing size), and a size no such multiple can exceed within u32 is
 * passed through for the kernel to refuse.
 */
export function adjustRingbufSize(size: number, pageSize = RINGBUF_PAGE_SIZE): number {
  if (size === 0) return 0;
  const pages = size / pageSize;
  if (Number.isInteger(pages) && (pages & (pages - 1)) === 0) return size;
  for (let multiple = 1; multiple * pageSize <= 0xffffffff; multiple *= 2) {
    if (multiple * pageSize > size) return multiple * pageSize;
  }
  return size;
}
