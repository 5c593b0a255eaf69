import {
  cloneSpecData,
  MapDefinitionError,
  type MapEntry,
  MapType,
  type ObjectSpec,
  type OpenContext,
  ProgramType,
  programTypeName,
  type Stage,
} from '@bpfkit/core';
import { ElfMapDefinitionsArtifact } from './iproute2-map-collector.js';
import {
  type Iproute2OpenOptions,
  Iproute2OptionKeys,
  type Iproute2Options,
  resolveOptions,
} from './options.js';
import { u32Key } from './slot-key.js';
import { parseTailCallSection } from './tail-call-sections.js';

/**
 * What tc does after collection, as a spec edit:
 * 1. programs no SEC() name typed (UNSPEC: tail-call sections, "ingress", ...) get the type the
 *    tool loads with (iproute2's cfg->type: SCHED_CLS for tc, XDP for ip link ... xdp), but only
 *    when iproute2 owns the object (see ownsUntypedPrograms);
 * 2. a program in section "ID/KEY" goes into slot KEY of the PROG_ARRAY whose id is ID
 *    (bpf_fill_prog_arrays); sections with no such map are skipped, as iproute2 skips them.
 * The input spec is not changed; a new one is returned.
 */
export function iproute2SpecTransform(
  defaults: Iproute2Options = {},
): Stage<ObjectSpec, ObjectSpec, OpenContext<Iproute2OpenOptions>> {
  return {
    name: 'iproute2 programs and tail calls',
    run(input, context) {
      const spec: ObjectSpec = cloneSpecData(input);
      if (ownsUntypedPrograms(context, defaults)) {
        typeUntypedPrograms(spec, resolveOptions(context.options, defaults).programType, context);
      }
      fillTailCallSlots(spec, context);
      return spec;
    },
  };
}

/**
 * Whether untyped sections are iproute2's to type: when the user chose the iproute2 format, when a
 * program type was given (the plugin's or the open option: a tool that is tc), or when the object
 * holds bpf_elf_map definitions. Otherwise a section like "sk_skb1" stays untyped, and the loader
 * refuses it by name instead of loading an sk_skb program as a classifier.
 */
export function ownsUntypedPrograms(
  context: OpenContext<Iproute2OpenOptions>,
  defaults: Iproute2Options,
): boolean {
  if (context.options.format === 'iproute2') return true;
  if (defaults.programType !== undefined || context.options[Iproute2OptionKeys.programType] !== undefined)
    return true;
  return (context.artifacts.get(ElfMapDefinitionsArtifact)?.length ?? 0) > 0;
}

function typeUntypedPrograms(
  spec: ObjectSpec,
  type: number,
  context: OpenContext<Iproute2OpenOptions>,
): void {
  const untyped = spec.programs.filter((p) => p.type === ProgramType.UNSPEC);
  if (untyped.length === 0) return;
  for (const program of untyped) program.type = type;
  context.events.emit({
    type: 'decision',
    message: `iproute2 loads ${untyped.map((p) => `${p.name} (section ${p.section})`).join(', ')} as ${programTypeName(type)}`,
  });
}

function fillTailCallSlots(spec: ObjectSpec, context: OpenContext<Iproute2OpenOptions>): void {
  const definitions = context.artifacts.get(ElfMapDefinitionsArtifact) ?? [];
  for (const program of spec.programs) {
    const slot = parseTailCallSection(program.section);
    if (!slot) continue;
    // bpf_find_map_by_id: the first PROG_ARRAY with that id.
    const definition = definitions.find((d) => d.id === slot.mapId && d.type === MapType.PROG_ARRAY);
    const map = definition && spec.maps.find((m) => m.name === definition.name);
    if (!map) {
      context.events.emit({
        type: 'warning',
        message: `no PROG_ARRAY map has id ${slot.mapId}; program ${program.name} fills no tail-call slot`,
        location: { object: context.objectName, section: program.section, program: program.name },
      });
      continue;
    }
    const taken = (map.contents ?? []).find(
      (e) => 'ref' in e && e.ref.kind === 'program' && keyOf(e) === slot.key,
    );
    if (taken && 'ref' in taken) {
      throw new MapDefinitionError(
        `slot ${slot.key} of ${map.name} would hold both ${taken.ref.name} and ${program.name}`,
        {
          location: {
            object: context.objectName,
            map: map.name,
            section: program.section,
            program: program.name,
          },
        },
      );
    }
    map.contents = [
      ...(map.contents ?? []),
      { key: u32Key(slot.key), ref: { kind: 'program', name: program.name } },
    ];
    context.events.emit({
      type: 'decision',
      message: `tail call: ${program.name} goes into slot ${slot.key} of ${map.name} (id ${slot.mapId})`,
    });
  }
}

function keyOf(entry: MapEntry): number {
  return new DataView(entry.key.buffer, entry.key.byteOffset, entry.key.byteLength).getUint32(0, true);
}
