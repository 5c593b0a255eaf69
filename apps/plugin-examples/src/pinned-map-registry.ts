import { join } from 'node:path';
import { definePlugin, KernelError, PinConflictError, wrapStage } from '@bpfkit/core';
import type { Fd, KernelBackend } from '@bpfkit/kernel-backend';
import { LiveMap, type LoadContext, LoadTokens, mapIncompatibility } from '@bpfkit/loader';

/** The load option this plugin reads: a bpffs directory holding one pin per shared map, by name. */
export interface RegistryLoadOptions {
  'registry.dir'?: string;
}

/**
 * A load-phase plugin: maps whose name has a pin in the registry directory are taken from there
 * (after libbpf's compatibility check) instead of created, so objects share maps with no
 * mapReplacements. It wraps the default map-creation stage, which creates the rest.
 */
export function pinnedMapRegistry() {
  return definePlugin<{}, RegistryLoadOptions>({
    name: 'pinned map registry',
    loadOptions: { 'registry.dir': 'bpffs directory of shared maps, one pin per map name' },
    register: (container) =>
      wrapStage(container, LoadTokens.CreateMaps, (create) => ({
        name: 'create maps or take them from the registry',
        async run(input, context: LoadContext<RegistryLoadOptions>) {
          const dir = context.options['registry.dir'];
          const taken = new Map<string, LiveMap>();
          for (const spec of input.maps) {
            if (dir === undefined) break;
            const path = join(dir, spec.name);
            const pinned = openPin(context.backend, path);
            if (!pinned) continue;
            const fd = context.resources.adopt('map', spec.name, pinned);
            const why = mapIncompatibility(spec, context.backend.mapInfo(fd));
            if (why) throw new PinConflictError(`registry map ${path} does not match ${spec.name}: ${why}`);
            taken.set(spec.name, new LiveMap(spec, fd, context.backend, true));
          }
          const created = await create.run(
            { ...input, maps: input.maps.filter((m) => !taken.has(m.name)) },
            context,
          );
          return new Map([...taken, ...created]);
        },
      })),
  });
}

function openPin(backend: KernelBackend, path: string): Fd | undefined {
  try {
    return backend.getPinned(path);
  } catch (error) {
    if (error instanceof KernelError && error.errno === 2 /* ENOENT */) return undefined;
    throw error;
  }
}
