import { endianness } from 'node:os';
import { loadKernelBtf } from '@bpfkit/btf';
import { type EventSink, type ObjectSpec, runStage, UsageError } from '@bpfkit/core';
import type { Fd, KernelBackend } from '@bpfkit/kernel-backend';
import { LoadedObject } from '../live/loaded-object.js';
import { specBtf } from '../variables.js';
import { createMaps } from './create-maps.js';
import { type ExternOptions, prepareExterns } from './externs.js';
import { kernelFeatures } from './kernel-features.js';
import { loadObjectBtf } from './load-btf.js';
import { fillReferenceSlots, type LoadProgramsOptions, loadPrograms } from './load-programs.js';
import { LoadResources } from './resources.js';
import { prepareStructOps } from './struct-ops.js';

export interface LoadOptions extends LoadProgramsOptions, Omit<ExternOptions, 'kernelBtf'> {
  /** root of LIBBPF_PIN_BY_NAME pins (default /sys/fs/bpf) */
  pinRoot?: string;
  /** existing maps to use instead of creating the spec's maps of the same name */
  mapReplacements?: ReadonlyMap<string, Fd>;
}

/**
 * The load phase, in order (aya-style, the function is its own table of contents): probe the
 * kernel, load BTF, create maps, load programs, fill program-array and map-in-map slots. Any
 * failure undoes everything done so far.
 */
export async function loadObject(
  spec: ObjectSpec,
  backend: KernelBackend,
  options: LoadOptions,
  events: EventSink,
): Promise<LoadedObject> {
  refuseForeignByteOrder(spec);
  const resources = new LoadResources(backend, events);
  const stage = <T>(name: string, run: () => T) => runStage('load', { name, run }, spec, undefined, events);
  try {
    const features = await stage('probe kernel features', () => kernelFeatures(backend));
    const objectBtf = specBtf(spec);
    const externs = await stage('resolve externs', () =>
      prepareExterns(spec, objectBtf, features, {
        ...(options.kconfig ? { kconfig: options.kconfig } : {}),
        kernelBtf: () => loadKernelBtf(options.btfPath),
      }),
    );
    const btf = await stage('load btf', () =>
      loadObjectBtf(spec, externs?.btf ?? objectBtf, backend, features, resources, events),
    );
    const mapSpecs = externs?.kconfigMap ? [...spec.maps, externs.kconfigMap] : spec.maps;
    const maps = await stage('create maps', () =>
      createMaps(mapSpecs, backend, resources, {
        btf,
        features,
        ...(options.pinRoot === undefined ? {} : { pinRoot: options.pinRoot }),
        ...(options.mapReplacements === undefined ? {} : { replacements: options.mapReplacements }),
      }),
    );
    const programs = await stage('load programs', () =>
      loadPrograms(spec, maps, backend, resources, options, btf, externs),
    );
    await stage('fill map slots', () => fillReferenceSlots(spec, maps, programs));
    await stage('prepare struct_ops', () => prepareStructOps(spec, maps, programs));
    resources.commit();
    return new LoadedObject(spec, maps, programs, backend, btf?.fd);
  } catch (error) {
    resources.rollback();
    throw addObjectName(error, spec.name);
  }
}

function refuseForeignByteOrder(spec: ObjectSpec): void {
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
}

function addObjectName(error: unknown, object: string): unknown {
  if (error instanceof Error && 'location' in error) {
    const location = error.location as { object?: string };
    location.object ??= object;
  }
  return error;
}
