import { type Btf, objectBtf } from '@bpfkit/btf';
import {
  type ErrorLocation,
  type MapCollector,
  MapDefinitionError,
  MapFlag,
  type MapSpec,
  MapType,
  type ObjectFileView,
  type OpenContext,
  type SectionView,
  SHF_EXECINSTR,
  STT_FUNC,
  type StructOpsMember,
  symbolAt,
} from '@bpfkit/core';

/** The sections of struct_ops variables; `.link` ones are registered through a BPF link (6.4). */
export const STRUCT_OPS_SECTION = '.struct_ops';
export const STRUCT_OPS_LINK_SECTION = '.struct_ops.link';

export function isStructOpsSection(name: string): boolean {
  return name === STRUCT_OPS_SECTION || name === STRUCT_OPS_LINK_SECTION;
}

/**
 * The struct_ops maps of one section, as libbpf's init_struct_ops_maps and
 * bpf_object__collect_st_ops_relos make them: one STRUCT_OPS map per variable of the section's
 * DATASEC, named after the variable, key 4 bytes, one entry. The value size here is the object's
 * struct; the loader swaps in the kernel's wrapper `bpf_struct_ops_<type>` at load. Each
 * R_BPF_64_ABS64 relocation of the section points a function-pointer member at a program.
 */
export function readStructOpsMaps(
  file: ObjectFileView,
  section: SectionView,
  btf: Btf | undefined,
  objectName: string = file.name,
): MapSpec[] {
  const location: ErrorLocation = { object: objectName, section: section.name };
  const [datasecId] = btf?.findByName(section.name, 'DATASEC') ?? [];
  if (!btf || datasecId === undefined) {
    throw new MapDefinitionError(`BTF has no DATASEC '${section.name}' for the struct_ops section`, {
      location,
      hint: 'struct_ops need the object BTF: compile with -g',
    });
  }
  const datasec = btf.typeById(datasecId);
  if (datasec.kind !== 'DATASEC') throw new Error('unreachable: findByName returned another kind');
  const bytes = file.sectionData(section.index);
  const programsAt = functionPointers(file, section, location);

  return datasec.vars.map((info): MapSpec => {
    const variable = btf.typeById(info.type);
    if (variable.kind !== 'VAR') {
      throw new MapDefinitionError(`unexpected ${variable.kind} in DATASEC ${section.name}`, { location });
    }
    const here = { ...location, map: variable.name };
    const typeId = btf.skipModsAndTypedefs(variable.type);
    const type = btf.typeById(typeId);
    if (type.kind !== 'STRUCT' || type.name === '') {
      throw new MapDefinitionError(`struct_ops variable ${variable.name} is not of a named struct type`, {
        location: here,
        hint: 'declare it as `struct <kernel struct_ops type> name = { ... }`',
      });
    }
    if (info.offset + type.size > bytes.length) {
      throw new MapDefinitionError(`struct_ops variable ${variable.name} lies past the end of its section`, {
        location: here,
      });
    }
    const members = type.members.map((member): StructOpsMember => {
      const memberType = btf.skipModsAndTypedefs(member.type);
      const out: StructOpsMember = {
        name: member.name,
        offset: member.bitOffset / 8,
        size: btf.resolveSize(member.type),
        kind: btf.kindOf(memberType),
      };
      if (member.bitfieldSize !== 0 || member.bitOffset % 8 !== 0) out.bitfield = true;
      const program = programsAt.get(info.offset + out.offset);
      if (program !== undefined) {
        if (!isFunctionPointer(btf, memberType)) {
          throw new MapDefinitionError(
            `member ${member.name} of ${variable.name} holds program ${program} but is not a function pointer`,
            { location: here },
          );
        }
        out.program = program;
      }
      return out;
    });
    const placed = new Set(members.flatMap((m) => (m.program === undefined ? [] : [info.offset + m.offset])));
    const stray = [...programsAt.keys()].find(
      (at) => at >= info.offset && at < info.offset + type.size && !placed.has(at),
    );
    if (stray !== undefined) {
      throw new MapDefinitionError(
        `a program is placed at byte ${stray - info.offset} of ${variable.name}, where no member starts`,
        { location: here },
      );
    }
    return {
      kind: 'struct-ops',
      name: variable.name,
      type: MapType.STRUCT_OPS,
      keySize: 4,
      valueSize: type.size,
      maxEntries: 1,
      flags: section.name === STRUCT_OPS_LINK_SECTION ? MapFlag.LINK : 0,
      pinning: { kind: 'none' },
      structOps: {
        typeName: type.name,
        data: new Uint8Array(bytes.subarray(info.offset, info.offset + type.size)),
        members,
      },
      source: {
        format: 'struct-ops',
        section: section.name,
        sectionIndex: section.index,
        offset: info.offset,
        btfTypeId: typeId,
        btfVarId: info.type,
      },
    };
  });
}

/** Section offset -> name of the program whose address the relocation there stores. */
function functionPointers(
  file: ObjectFileView,
  section: SectionView,
  location: ErrorLocation,
): Map<number, string> {
  const at = new Map<number, string>();
  for (const reloc of file.relocationsFor(section.index)) {
    const symbol = symbolAt(file, reloc.symbolIndex);
    const target = symbol ? file.sections[symbol.sectionIndex] : undefined;
    const offset = Number(reloc.offset);
    if (!symbol || symbol.type !== STT_FUNC || !target || (target.flags & SHF_EXECINSTR) === 0n) {
      throw new MapDefinitionError(
        `the relocation at byte ${offset} of ${section.name} names ${symbol?.name || 'no symbol'}, not a program`,
        {
          location: { ...location, byteOffset: offset },
          hint: 'struct_ops members may only point at programs',
        },
      );
    }
    at.set(offset, symbol.name);
  }
  return at;
}

function isFunctionPointer(btf: Btf, typeId: number): boolean {
  const type = btf.typeById(typeId);
  return type.kind === 'PTR' && btf.kindOf(btf.skipModsAndTypedefs(type.type)) === 'FUNC_PROTO';
}

/** The collector of `.struct_ops` and `.struct_ops.link` (libbpf >= 1.2 for the latter). */
export const structOpsCollector: MapCollector = {
  format: 'struct-ops',
  claims: (section: SectionView) => isStructOpsSection(section.name),
  collect(file: ObjectFileView, sections: readonly SectionView[], context: OpenContext): MapSpec[] {
    const btf = objectBtf(file, context);
    return sections.flatMap((section) => readStructOpsMaps(file, section, btf, context.objectName));
  },
};
