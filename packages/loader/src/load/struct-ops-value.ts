import type { Btf } from '@bpfkit/btf';
import {
  MapDefinitionError,
  type MapSpec,
  NotFoundError,
  NotSupportedError,
  type StructOpsSpec,
} from '@bpfkit/core';

/** The kernel's side of a struct_ops type (libbpf's find_struct_ops_kern_types). */
export interface KernelStructOps {
  typeName: string;
  /** `struct <typeName>` in the kernel's BTF: the attach_btf_id of its programs */
  typeId: number;
  /** `struct bpf_struct_ops_<typeName>`: the map's btf_vmlinux_value_type_id */
  valueTypeId: number;
  /** bytes of the wrapper: the map's value size */
  valueSize: number;
  /** byte offset of the wrapper's `data` member, which holds the struct itself */
  dataOffset: number;
}

/** Where each byte of the object's struct goes in the kernel's map value. */
export interface StructOpsLayout {
  kernel: KernelStructOps;
  /** scalar members: copied from StructOpsSpec.data to the value */
  copies: { member: string; from: number; to: number; size: number }[];
  /** function-pointer members set to a program: its fd goes at `to` */
  programs: { member: string; program: string; memberIndex: number; to: number }[];
  /** programs the object set on members this kernel's struct does not have (left unloaded, as libbpf does) */
  dropped: string[];
}

const WRAPPER_PREFIX = 'bpf_struct_ops_';

/** Finds `struct X` and its map-value wrapper `struct bpf_struct_ops_X` in the kernel's BTF. */
export function kernelStructOps(typeName: string, kernelBtf: Btf): KernelStructOps {
  const [typeId] = kernelBtf.findByName(typeName, 'STRUCT');
  if (typeId === undefined) {
    throw new NotFoundError(`the kernel's BTF has no struct ${typeName}`, {
      hint: 'struct_ops variables must have the type of a kernel struct_ops (tcp_congestion_ops, sched_ext_ops, ...)',
    });
  }
  const wrapperName = `${WRAPPER_PREFIX}${typeName}`;
  const [valueTypeId] = kernelBtf.findByName(wrapperName, 'STRUCT');
  if (valueTypeId === undefined) {
    throw new NotSupportedError(
      `struct_ops ${typeName}`,
      `the running kernel does not offer struct ${typeName} as struct_ops (no struct ${wrapperName} in its BTF)`,
      {
        hint: 'struct_ops need CONFIG_BPF_JIT and a kernel that registers this type (tcp_congestion_ops: 5.6)',
      },
    );
  }
  const data = kernelBtf.members(valueTypeId).find((m) => m.name === 'data');
  if (!data || kernelBtf.skipModsAndTypedefs(data.type) !== typeId) {
    throw new NotSupportedError(
      `struct_ops ${typeName}`,
      `struct ${wrapperName} of the kernel has no member data of type struct ${typeName}`,
    );
  }
  return {
    typeName,
    typeId,
    valueTypeId,
    valueSize: kernelBtf.resolveSize(valueTypeId),
    dataOffset: data.bitOffset / 8,
  };
}

/**
 * Matches the object's struct to the kernel's by member name, as libbpf's
 * bpf_map__init_kern_struct_ops does: kinds must agree, scalars must have the kernel's size,
 * bitfields are refused, and members the kernel lacks are skipped when the object left them zero.
 */
export function structOpsLayout(map: MapSpec, kernelBtf: Btf): StructOpsLayout {
  const structOps = requireStructOps(map);
  const kernel = kernelStructOps(structOps.typeName, kernelBtf);
  const kernelMembers = kernelBtf.members(kernel.typeId);
  const layout: StructOpsLayout = { kernel, copies: [], programs: [], dropped: [] };
  for (const member of structOps.members) {
    const what = `member ${member.name} of struct_ops ${map.name} (struct ${structOps.typeName})`;
    const memberIndex = kernelMembers.findIndex((m) => m.name === member.name);
    const kernelMember = kernelMembers[memberIndex];
    if (!kernelMember) {
      if (member.program === undefined && isZero(structOps.data, member.offset, member.size)) continue;
      if (member.program !== undefined) {
        layout.dropped.push(member.program);
        continue;
      }
      throw new NotSupportedError(
        `struct_ops member ${structOps.typeName}.${member.name}`,
        `the kernel's struct ${structOps.typeName} has no member ${member.name}, which struct_ops ${map.name} sets`,
        {
          hint: 'leave the member zero to load on this kernel, or use a kernel that has it',
        },
      );
    }
    if (member.bitfield || kernelMember.bitfieldSize !== 0) {
      throw new MapDefinitionError(`${what} is a bitfield, which struct_ops do not support`);
    }
    const kernelTypeId = kernelBtf.skipModsAndTypedefs(kernelMember.type);
    const kernelKind = kernelBtf.kindOf(kernelTypeId);
    if (kernelKind !== member.kind) {
      throw new MapDefinitionError(`${what} is ${member.kind} in the object but ${kernelKind} in the kernel`);
    }
    const to = kernel.dataOffset + kernelMember.bitOffset / 8;
    if (member.kind === 'PTR') {
      if (member.program === undefined) continue;
      const target = kernelBtf.typeById(kernelTypeId);
      const proto = target.kind === 'PTR' ? kernelBtf.skipModsAndTypedefs(target.type) : 0;
      if (kernelBtf.kindOf(proto) !== 'FUNC_PROTO') {
        throw new MapDefinitionError(
          `${what} holds program ${member.program}, but the kernel's member is no function pointer`,
        );
      }
      layout.programs.push({ member: member.name, program: member.program, memberIndex, to });
      continue;
    }
    const kernelSize = kernelBtf.resolveSize(kernelTypeId);
    if (kernelSize !== member.size) {
      throw new MapDefinitionError(
        `${what} is ${member.size} bytes in the object but ${kernelSize} in the kernel`,
        {
          hint: 'declare the member with the kernel type',
        },
      );
    }
    layout.copies.push({ member: member.name, from: member.offset, to, size: member.size });
  }
  return layout;
}

/**
 * The BPF_MAP_UPDATE_ELEM value: the kernel's wrapper with the scalars copied in and each
 * function pointer holding its program's fd (the kernel swaps in the trampoline).
 */
export function structOpsValue(
  map: MapSpec,
  layout: StructOpsLayout,
  programFd: (name: string) => number | undefined,
  littleEndian: boolean,
): Uint8Array {
  const { data } = requireStructOps(map);
  const value = new Uint8Array(layout.kernel.valueSize);
  for (const copy of layout.copies) value.set(data.subarray(copy.from, copy.from + copy.size), copy.to);
  const view = new DataView(value.buffer);
  for (const slot of layout.programs) {
    const fd = programFd(slot.program);
    if (fd === undefined) {
      throw new NotFoundError(
        `struct_ops ${map.name} needs program ${slot.program} for member ${slot.member}, which was not loaded`,
        {
          location: { map: map.name, program: slot.program },
          hint: 'load every program the struct_ops variable names',
        },
      );
    }
    view.setBigUint64(slot.to, BigInt(fd), littleEndian);
  }
  return value;
}

function requireStructOps(map: MapSpec): StructOpsSpec {
  if (!map.structOps) {
    throw new MapDefinitionError(`map ${map.name} is a struct_ops map without its struct`, {
      location: { map: map.name },
      hint: 'a struct-ops MapSpec needs structOps (the struct_ops collector sets it)',
    });
  }
  return map.structOps;
}

function isZero(bytes: Uint8Array, offset: number, size: number): boolean {
  for (let i = offset; i < offset + size; i++) if (bytes[i] !== 0) return false;
  return true;
}
