import { BPF_OBJ_NAME_LEN } from '@bpfkit/core';

/**
 * The name the kernel will store for a map or program (bpf_attr.map_name / prog_name): at most
 * BPF_OBJ_NAME_LEN - 1 characters, and anything outside [A-Za-z0-9_.] replaced by '_', which is
 * what libbpf does before MAP_CREATE / PROG_LOAD (the kernel would refuse the name otherwise).
 */
export function kernelObjectName(name: string): string {
  return name.slice(0, BPF_OBJ_NAME_LEN - 1).replace(/[^A-Za-z0-9_.]/g, '_');
}
