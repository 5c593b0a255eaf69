import { endianness } from 'node:os';
import { type Btf, loadKernelBtf } from '@bpfkit/btf';
import {
  KernelError,
  MapDefinitionError,
  MapFlag,
  type MapSpec,
  NotSupportedError,
  type ObjectSpec,
  type ProgramSpec,
  ProgramType,
  UsageError,
} from '@bpfkit/core';
import type { Fd, KernelBackend, MapCreateAttr } from '@bpfkit/kernel-backend';
import type { LiveMap } from '../live/live-map.js';
import type { LiveProgram } from '../live/live-program.js';
import { type StructOpsLayout, structOpsLayout, structOpsValue } from './struct-ops-value.js';

/** What PROG_LOAD needs for a struct_ops program: the kernel struct and the member it implements. */
export interface StructOpsProgramTarget {
  attachBtfId: number;
  /** the member's index in the kernel's struct, passed as expected_attach_type */
  expectedAttachType: number;
}

export function isStructOpsMap(map: MapSpec): boolean {
  return map.kind === 'struct-ops';
}

/** The kernel-side layout of each struct_ops map of the object, by map name. */
export function structOpsLayouts(
  spec: ObjectSpec,
  kernelBtf: Btf = loadKernelBtf(),
): Map<string, StructOpsLayout> {
  return new Map(spec.maps.filter(isStructOpsMap).map((m) => [m.name, structOpsLayout(m, kernelBtf)]));
}

/**
 * The attach target of a struct_ops program (libbpf's bpf_map__init_kern_struct_ops): the kernel
 * struct its map has and the index of the member that names it. One program may serve several
 * maps only for the same struct and member. Undefined for a program whose only members this kernel
 * lacks (libbpf turns its autoload off); a UsageError for one no struct_ops variable names.
 */
export function structOpsProgramTarget(
  program: ProgramSpec,
  layouts: ReadonlyMap<string, StructOpsLayout>,
): StructOpsProgramTarget | undefined {
  let target: (StructOpsProgramTarget & { map: string }) | undefined;
  let dropped = false;
  for (const [map, layout] of layouts) {
    dropped ||= layout.dropped.includes(program.name);
    for (const slot of layout.programs) {
      if (slot.program !== program.name) continue;
      const here = { attachBtfId: layout.kernel.typeId, expectedAttachType: slot.memberIndex, map };
      if (
        target &&
        (target.attachBtfId !== here.attachBtfId || target.expectedAttachType !== here.expectedAttachType)
      ) {
        throw new MapDefinitionError(
          `program ${program.name} implements different struct_ops members in ${target.map} and ${map}`,
          {
            location: { program: program.name, map },
            hint: 'a struct_ops program serves one member of one struct type',
          },
        );
      }
      target = here;
    }
  }
  if (target) return { attachBtfId: target.attachBtfId, expectedAttachType: target.expectedAttachType };
  if (dropped) return undefined;
  throw new UsageError(`struct_ops program ${program.name} is not named by any struct_ops variable`, {
    location: { program: program.name, section: program.section },
    hint: 'point a member of a SEC(".struct_ops") variable at it, or turn its autoload off',
  });
}

/** Programs this kernel leaves unloaded: every member that names them is missing from its struct. */
export function droppedStructOpsPrograms(layouts: ReadonlyMap<string, StructOpsLayout>): Set<string> {
  const used = new Set([...layouts.values()].flatMap((l) => l.programs.map((p) => p.program)));
  return new Set([...layouts.values()].flatMap((l) => l.dropped.filter((p) => !used.has(p))));
}

export function isStructOpsProgram(program: ProgramSpec): boolean {
  return program.type === ProgramType.STRUCT_OPS;
}

/** The spec of a struct_ops map as the kernel creates it: the wrapper's value size. */
export function adaptStructOpsMap(spec: MapSpec, kernelBtf: Btf = loadKernelBtf()): MapSpec {
  const { kernel } = structOpsLayout(spec, kernelBtf);
  return { ...spec, valueSize: kernel.valueSize };
}

/**
 * BPF_MAP_CREATE of a struct_ops map: btf_vmlinux_value_type_id names the kernel's wrapper, and
 * the kernel wants the object's BTF fd with it (but no key/value type ids), as libbpf's
 * bpf_object__create_map sends them. A kernel before 6.4 refuses BPF_F_LINK: that becomes a
 * NotSupportedError once a trial without the flag shows it is the cause.
 */
export function createStructOpsMap(
  spec: MapSpec,
  attr: MapCreateAttr,
  backend: KernelBackend,
  objectBtf: Fd | undefined,
  kernelBtf: Btf = loadKernelBtf(),
): Fd {
  if (!objectBtf) {
    throw new MapDefinitionError(
      `struct_ops ${spec.name} needs the object's BTF in the kernel, which was not loaded`,
      {
        location: { map: spec.name },
        hint: 'struct_ops need an object compiled with -g on a kernel with BTF',
      },
    );
  }
  const { kernel } = structOpsLayout(spec, kernelBtf);
  const { btfKeyTypeId: _key, btfValueTypeId: _value, ...plain } = attr;
  const create: MapCreateAttr = {
    ...plain,
    valueSize: kernel.valueSize,
    btfFd: objectBtf.value,
    btfVmlinuxValueTypeId: kernel.valueTypeId,
  };
  try {
    return backend.createMap(create);
  } catch (error) {
    if (!(create.flags & MapFlag.LINK) || !(error instanceof KernelError) || error.errno !== 22 /* EINVAL */)
      throw error;
    let withoutLink: Fd;
    try {
      withoutLink = backend.createMap({ ...create, flags: create.flags & ~MapFlag.LINK });
    } catch {
      throw error;
    }
    withoutLink.close();
    throw new NotSupportedError(
      'struct_ops links (BPF_F_LINK, Linux 6.4)',
      `the running kernel has no struct_ops links (BPF_F_LINK, Linux 6.4) to register struct_ops ${spec.name} with`,
      {
        location: { map: spec.name, section: spec.source.section },
        hint: 'put the variable in SEC(".struct_ops") to register it by map update on this kernel',
        cause: error,
      },
    );
  }
}

/**
 * The load stage after programs: builds each struct_ops map's value with its programs' fds, so a
 * missing or mismatched program fails the load, not the attach (libbpf's
 * bpf_object_prepare_struct_ops). Registration itself waits for attachStructOps.
 */
export function prepareStructOps(
  spec: ObjectSpec,
  maps: ReadonlyMap<string, LiveMap>,
  programs: ReadonlyMap<string, LiveProgram>,
): void {
  if (!spec.maps.some(isStructOpsMap)) return;
  for (const [name, layout] of structOpsLayouts(spec)) {
    if (!maps.has(name)) continue;
    structOpsMapValue(maps.get(name)!.spec, layout, programs);
  }
}

/** The value to write into a struct_ops map, with program fds in place. */
export function structOpsMapValue(
  spec: MapSpec,
  layout: StructOpsLayout,
  programs: ReadonlyMap<string, LiveProgram>,
): Uint8Array {
  return structOpsValue(spec, layout, (name) => programs.get(name)?.fd.value, endianness() === 'LE');
}
