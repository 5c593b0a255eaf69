import { endianness } from 'node:os';
import { type EventSink, type ObjectSpec, runStage, UsageError } from '@bpfkit/core';
import type { Fd, KernelBackend } from '@bpfkit/kernel-backend';
import type { LiveMap } from '../live/live-map.js';
import type { LiveProgram } from '../live/live-program.js';
import { LoadedObject } from '../live/loaded-object.js';
import { createMaps } from './create-maps.js';
import { fillReferenceSlots, type LoadProgramsOptions, loadPrograms } from './load-programs.js';
import { LoadResources } from './resources.js';

export interface LoadOptions extends LoadProgramsOptions {
  /** root of LIBBPF_PIN_BY_NAME pins (default /sys/fs/bpf) */
  pinRoot?: string;
  /** existing maps to use instead of creating the spec's maps of the same name */
  mapReplacements?: ReadonlyMap<string, Fd>;
}

interface LoadState {
  maps?: Map<string, LiveMap>;
  programs?: Map<string, LiveProgram>;
}

/**
 * The load phase, in order (aya-style, the function is its own table of contents): create maps,
 * load programs, fill program-array slots. Any failure undoes everything done so far.
 */
export async function loadObject(
  spec: ObjectSpec,
  backend: KernelBackend,
  options: LoadOptions,
  events: EventSink,
): Promise<LoadedObject> {
  const hostOrder = endianness() === 'LE' ? 'little' : 'big';
  if (spec.byteOrder !== hostOrder) {
    throw new UsageError(
      `${spec.name} is a ${spec.byteOrder}-endian object; this machine is ${hostOrder}-endian`,
      {
        location: { object: spec.name },
        hint: 'open and inspect work on any byte order; loading needs an object built for this machine',
      },
    );
  }
  const resources = new LoadResources(backend, events);
  const state: LoadState = {};
  try {
    state.maps = await runStage(
      'load',
      {
        name: 'create maps',
        run: () => createMaps(spec.maps, backend, resources, optionalMapOptions(options)),
      },
      spec,
      undefined,
      events,
    );
    const maps = state.maps;
    state.programs = await runStage(
      'load',
      { name: 'load programs', run: () => loadPrograms(spec, maps, backend, resources, options) },
      spec,
      undefined,
      events,
    );
    const programs = state.programs;
    await runStage(
      'load',
      { name: 'fill map slots', run: () => fillReferenceSlots(spec, maps, programs) },
      spec,
      undefined,
      events,
    );
  } catch (error) {
    resources.rollback();
    throw addObjectName(error, spec.name);
  }
  resources.commit();
  return new LoadedObject(spec, state.maps, state.programs, backend);
}

function optionalMapOptions(options: LoadOptions) {
  return {
    ...(options.pinRoot === undefined ? {} : { pinRoot: options.pinRoot }),
    ...(options.mapReplacements === undefined ? {} : { replacements: options.mapReplacements }),
  };
}

function addObjectName(error: unknown, object: string): unknown {
  if (error instanceof Error && 'location' in error) {
    const location = error.location as { object?: string };
    location.object ??= object;
  }
  return error;
}
