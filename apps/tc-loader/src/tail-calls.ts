import { MapType, type ObjectSpec } from '@bpfkit/core';
import { fdValue } from '@bpfkit/kernel-backend';
import type { LoadedObject } from '@bpfkit/loader';

/** One slot of a jump table that the object fills with one of its programs ("ID/KEY" sections). */
export interface TailCallSlot {
  map: string;
  slot: number;
  program: string;
}

const u32 = (value: number) => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
};
const readU32 = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);

/** The PROG_ARRAY slots the spec fills with programs, as the iproute2 plugin recorded them. */
export function tailCallSlots(spec: ObjectSpec): TailCallSlot[] {
  return spec.maps
    .filter((map) => map.type === MapType.PROG_ARRAY)
    .flatMap((map) =>
      (map.contents ?? []).flatMap((entry) =>
        'ref' in entry && entry.ref.kind === 'program'
          ? [{ map: map.name, slot: readU32(entry.key), program: entry.ref.name }]
          : [],
      ),
    );
}

/**
 * Points the slots of jump tables taken over from an earlier pin at this load's programs. The
 * loader leaves a reused map's contents alone; tc (bpf_fill_prog_arrays) always overwrites them,
 * and a tc-like loader must, or a new classifier would jump into the old object's programs.
 */
export function refillReusedJumpTables(loaded: LoadedObject, slots: readonly TailCallSlot[]): void {
  for (const { map, slot, program } of slots) {
    const table = loaded.map(map);
    if (table.reused) table.update(u32(slot), u32(fdValue(loaded.program(program).fd)));
  }
}

/** The id of the program in a slot as the kernel reports it (0 when the slot is empty). */
export function slotProgramId(loaded: LoadedObject, map: string, slot: number): number {
  const value = loaded.map(map).lookup(u32(slot));
  return value ? readU32(value) : 0;
}
