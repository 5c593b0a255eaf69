import type { ObjectReader } from '@bpfkit/core';
import { readElf } from '@bpfkit/elf-reader';

/** The default ObjectReader: an ELF64 eBPF object of either byte order. */
export const elfObjectReader: ObjectReader = {
  name: 'read elf',
  run: (bytes, context) => readElf(bytes, context.objectName),
};
