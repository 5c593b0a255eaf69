import { BPF_OBJ_NAME_LEN } from '@bpfkit/core';

/**
 * The kernel name libbpf's internal_map_name gives a global-data map. For `.data`, `.rodata`,
 * `.bss` (one dot) it is a prefix of the object name followed by the section name, with at least 7
 * characters kept for the suffix even when the section name is shorter ("my_objec.bss"); a
 * custom section (`.data.foo`, a second dot) gets no prefix. The result is cut to the kernel's 15
 * characters and every character other than [A-Za-z0-9_.] becomes '_'.
 */
export function internalMapKernelName(objectName: string, sectionName: string): string {
  const maxLength = BPF_OBJ_NAME_LEN - 1;
  const suffixLength = Math.min(Math.max(7, sectionName.length), maxLength);
  const custom = sectionName.indexOf('.', 1) !== -1;
  const prefixLength = custom ? 0 : Math.min(maxLength - suffixLength, objectName.length);
  const name = objectName.slice(0, prefixLength) + sectionName.slice(0, suffixLength);
  return name.replace(/[^A-Za-z0-9_.]/g, '_');
}
