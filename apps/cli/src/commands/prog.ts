import { NotFoundError } from '@bpfkit/core';
import type { KernelBackend } from '@bpfkit/kernel-backend';
import { exactly } from '../args.js';
import type { CommandInput } from '../command-table.js';
import { ExitCode } from '../exit-codes.js';
import { KernelBtfCache } from '../introspect/btf-names.js';
import { parseObjectRef } from '../introspect/object-ref.js';
import { describeProgram, type ProgramView } from '../introspect/program-view.js';
import { walkObjects } from '../introspect/walk-ids.js';
import { loaderFor } from '../loader-factory.js';
import { formatTable } from '../table.js';

/** `bpfkit prog list`: every program in the kernel, walked by id as `bpftool prog list` does. */
export async function progListCli({ values, positionals, io, makeLoader }: CommandInput): Promise<number> {
  exactly(positionals, 0, 'prog list', '');
  const programs = listPrograms(loaderFor(false, makeLoader).backend);
  io.out(values.json ? JSON.stringify(programs) : renderProgramList(programs));
  return ExitCode.OK;
}

/** `bpfkit prog show ID|NAME|PIN`: one program (every one of that name), as `bpftool prog show`. */
export async function progShowCli({ values, positionals, io, makeLoader }: CommandInput): Promise<number> {
  const ref = parseObjectRef(positionals, 'prog show');
  const { backend } = loaderFor(false, makeLoader);
  const btfs = new KernelBtfCache(backend);
  let shown: ProgramView[];
  if (ref.by === 'name') {
    shown = listPrograms(backend, btfs).filter((p) => p.name === ref.name);
    if (shown.length === 0)
      throw new NotFoundError(`no program named ${ref.name} in the kernel`, { hint: 'bpfkit prog list' });
  } else {
    using fd = ref.by === 'id' ? backend.programFdById(ref.id) : backend.getPinned(ref.path);
    shown = [describeProgram(backend, fd, btfs)];
  }
  // bpftool prints one object for an id or pin, and a list for a name
  const json = ref.by === 'name' ? shown : shown[0];
  io.out(values.json ? JSON.stringify(json) : renderProgramList(shown));
  return ExitCode.OK;
}

export function listPrograms(backend: KernelBackend, btfs = new KernelBtfCache(backend)): ProgramView[] {
  return walkObjects(
    backend,
    'program',
    (id) => backend.programFdById(id),
    (fd) => describeProgram(backend, fd, btfs),
  );
}

export function renderProgramList(programs: readonly ProgramView[]): string {
  return formatTable(
    ['id', 'type', 'name', 'tag', 'xlated', 'jited', 'maps', 'btf'],
    programs.map((p) => [
      p.id,
      p.type,
      p.name || '-',
      p.tag,
      p.bytes_xlated,
      p.bytes_jited ?? '-',
      p.map_ids?.join(',') || '-',
      p.btf_id ?? '-',
    ]),
  );
}
