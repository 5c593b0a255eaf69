import { isBpfkitError, programTypeName } from '@bpfkit/core';
import type { KernelBackend } from '@bpfkit/kernel-backend';
import { formatTable } from '../table.js';

export interface ProgramListEntry {
  id: number;
  type: string;
  name: string;
  tag: string;
  mapIds: number[];
  btfId: number;
  xlatedBytes: number;
  jitedBytes: number;
}

/** `bpfkit prog list`: every program in the kernel, walked by id as `bpftool prog list` does. */
export function listPrograms(backend: KernelBackend): ProgramListEntry[] {
  const programs: ProgramListEntry[] = [];
  for (let id = backend.nextId('program', 0); id !== undefined; id = backend.nextId('program', id)) {
    try {
      using fd = backend.programFdById(id);
      const info = backend.programInfo(fd);
      programs.push({
        id: info.id,
        type: programTypeName(info.type),
        name: info.name,
        tag: info.tag,
        mapIds: info.mapIds,
        btfId: info.btfId,
        xlatedBytes: info.xlatedLength,
        jitedBytes: info.jitedLength,
      });
    } catch (error) {
      // unloaded between GET_NEXT_ID and GET_FD_BY_ID
      if (!(isBpfkitError(error) && 'errno' in error && error.errno === 2)) throw error;
    }
  }
  return programs;
}

export function renderProgramList(programs: readonly ProgramListEntry[]): string {
  return formatTable(
    ['id', 'type', 'name', 'tag', 'maps'],
    programs.map((p) => [p.id, p.type, p.name || '-', p.tag, p.mapIds.join(',') || '-']),
  );
}
