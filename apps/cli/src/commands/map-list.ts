import { NotFoundError } from '@bpfkit/core';
import type { KernelBackend } from '@bpfkit/kernel-backend';
import { exactly } from '../args.js';
import type { CommandInput } from '../command-table.js';
import { ExitCode } from '../exit-codes.js';
import { describeMap, type MapView } from '../introspect/map-view.js';
import { parseObjectRef } from '../introspect/object-ref.js';
import { walkObjects } from '../introspect/walk-ids.js';
import { loaderFor } from '../loader-factory.js';
import { formatTable } from '../table.js';

/** `bpfkit map list`: every map in the kernel, as `bpftool map list`. */
export async function mapListCli({ values, positionals, io, makeLoader }: CommandInput): Promise<number> {
  exactly(positionals, 0, 'map list', '');
  const maps = listMaps(loaderFor(false, makeLoader).backend);
  io.out(values.json ? JSON.stringify(maps) : renderMapList(maps));
  return ExitCode.OK;
}

/** `bpfkit map show ID|NAME|PIN`, as `bpftool map show`. */
export async function mapShowCli({ values, positionals, io, makeLoader }: CommandInput): Promise<number> {
  const ref = parseObjectRef(positionals, 'map show');
  const { backend } = loaderFor(false, makeLoader);
  let shown: MapView[];
  if (ref.by === 'name') {
    shown = listMaps(backend).filter((m) => m.name === ref.name);
    if (shown.length === 0)
      throw new NotFoundError(`no map named ${ref.name} in the kernel`, { hint: 'bpfkit map list' });
  } else {
    using fd = ref.by === 'id' ? backend.mapFdById(ref.id) : backend.getPinned(ref.path);
    shown = [describeMap(backend, fd)];
  }
  const json = ref.by === 'name' ? shown : shown[0];
  io.out(values.json ? JSON.stringify(json) : renderMapList(shown));
  return ExitCode.OK;
}

export function listMaps(backend: KernelBackend): MapView[] {
  return walkObjects(
    backend,
    'map',
    (id) => backend.mapFdById(id),
    (fd) => describeMap(backend, fd),
  );
}

export function renderMapList(maps: readonly MapView[]): string {
  return formatTable(
    ['id', 'type', 'name', 'key', 'value', 'max', 'flags', 'memlock', 'btf'],
    maps.map((m) => [
      m.id,
      m.type,
      m.name || '-',
      m.bytes_key,
      m.bytes_value,
      m.max_entries,
      `0x${m.flags.toString(16)}`,
      m.bytes_memlock ?? '-',
      m.btf_id ?? '-',
    ]),
  );
}
