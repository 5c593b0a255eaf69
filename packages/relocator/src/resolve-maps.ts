import {
  type Instruction,
  LD_IMM64_CODE,
  type ProgramRelocation,
  PseudoSrc,
  RelocationError,
} from '@bpfkit/core';

/**
 * What a map relocation needs at load: the live map's fd, by name, or by the section and offset of
 * a definition no format read (then a map added between open and load with that source is meant).
 */
export type MapFdLookup = (
  name: string,
  definition?: { sectionIndex: number; offset: number },
) => number | undefined;

/**
 * Writes map fds into the ld_imm64 instructions of map and global-data references, as libbpf's
 * bpf_object__relocate_data does: BPF_PSEUDO_MAP_FD with imm = fd, or BPF_PSEUDO_MAP_VALUE with
 * imm = fd and the value offset in the second slot's imm. Other relocations are returned untouched.
 */
export function resolveMapRelocations(
  instructions: Instruction[],
  relocations: readonly ProgramRelocation[],
  mapFd: MapFdLookup,
  programName: string,
): ProgramRelocation[] {
  const remaining: ProgramRelocation[] = [];
  for (const relocation of relocations) {
    if (relocation.kind !== 'map-fd' && relocation.kind !== 'map-value') {
      remaining.push(relocation);
      continue;
    }
    const location = { program: programName, instruction: relocation.instruction, map: relocation.map };
    const first = instructions[relocation.instruction];
    const second = instructions[relocation.instruction + 1];
    if (!first || !second || first.code !== LD_IMM64_CODE) {
      throw new RelocationError(`map reference to ${relocation.map} is not on a 64-bit immediate load`, {
        location,
      });
    }
    const fd = mapFd(relocation.map, relocation.kind === 'map-fd' ? relocation.definition : undefined);
    if (fd === undefined) {
      throw new RelocationError(`references map ${relocation.map}, which was not created`, {
        location,
        hint: 'add the map to the spec or provide it as an external map before load',
      });
    }
    first.imm = fd;
    if (relocation.kind === 'map-fd') {
      first.src = PseudoSrc.MAP_FD;
      second.imm = 0;
    } else {
      first.src = PseudoSrc.MAP_VALUE;
      second.imm = relocation.offset;
    }
  }
  return remaining;
}
