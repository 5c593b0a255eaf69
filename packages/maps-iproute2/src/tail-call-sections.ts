import type { ObjectFileView } from '@bpfkit/core';
import { SHF_EXECINSTR } from '@bpfkit/core';

/** A tail-call section name "ID/KEY": the program goes into slot KEY of the PROG_ARRAY with id ID. */
export interface TailCallSlot {
  mapId: number;
  key: number;
}

/**
 * Parses "ID/KEY" (two decimal u32). iproute2 scans with sscanf("%i/%i"), which is looser
 * (hex, trailing text); bpfkit accepts only the plain form so that "xdp/foo"-like names never
 * match by accident.
 */
export function parseTailCallSection(name: string): TailCallSlot | undefined {
  const match = /^(\d{1,10})\/(\d{1,10})$/.exec(name);
  if (!match) return undefined;
  const mapId = Number(match[1]);
  const key = Number(match[2]);
  return mapId <= 0xffffffff && key <= 0xffffffff ? { mapId, key } : undefined;
}

/** True when the object has code in an "ID/KEY" section: it was written for iproute2. */
export function hasTailCallSections(file: ObjectFileView): boolean {
  return file.sections.some(
    (s) => (s.flags & SHF_EXECINSTR) !== 0n && parseTailCallSection(s.name) !== undefined,
  );
}
