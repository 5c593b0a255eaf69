import { endianness } from 'node:os';
import { Artifacts, type EventSink, type ObjectSpec, runStage, UsageError } from '@bpfkit/core';
import type { Attacher, KernelBackend } from '@bpfkit/kernel-backend';
import type { LiveMap } from '../live/live-map.js';
import type { LiveProgram } from '../live/live-program.js';
import { LoadedObject } from '../live/loaded-object.js';
import { specBtf } from '../variables.js';
import type { PreparedExterns } from './externs.js';
import type { KernelFeatures } from './kernel-features.js';
import type { LoadedBtf } from './load-btf.js';
import type { LoadContext } from './load-context.js';
import type { LoadOptions } from './load-options.js';
import type { RelocatedProgram } from './load-programs.js';
import type {
  BtfInput,
  CreateMapsInput,
  ExternsInput,
  FillSlotsInput,
  LoadProgramsInput,
  LoadStage,
  RelocateInput,
} from './load-stages.js';
import { LoadResources } from './resources.js';

/** The load phase's stages, as the container supplies them (see LoadTokens). */
export interface LoadStages {
  readonly backend: KernelBackend;
  readonly probeFeatures: LoadStage<ObjectSpec, KernelFeatures>;
  readonly resolveExterns: LoadStage<ExternsInput, PreparedExterns | undefined>;
  readonly loadBtf: LoadStage<BtfInput, LoadedBtf | undefined>;
  readonly createMaps: LoadStage<CreateMapsInput, Map<string, LiveMap>>;
  readonly relocatePrograms: LoadStage<RelocateInput, RelocatedProgram[]>;
  readonly loadPrograms: LoadStage<LoadProgramsInput, Map<string, LiveProgram>>;
  readonly fillSlots: LoadStage<FillSlotsInput, void>;
  readonly prepareStructOps: LoadStage<FillSlotsInput, void>;
  readonly attachers: readonly Attacher[];
}

/**
 * The load phase, in order (aya-style, the function is its own table of contents): probe the
 * kernel, resolve externs, load BTF, create maps, relocate programs, load them, fill program-array and map-in-map
 * slots, build struct_ops values. Each step is a stage from the container; any failure undoes everything done so far.
 */
export async function loadObject(
  spec: ObjectSpec,
  stages: LoadStages,
  options: LoadOptions,
  events: EventSink,
): Promise<LoadedObject> {
  refuseForeignByteOrder(spec);
  const { backend } = stages;
  const resources = new LoadResources(backend, events);
  const context: LoadContext = { spec, backend, options, events, resources, artifacts: new Artifacts() };
  const run = <I, O>(stage: LoadStage<I, O>, input: I) => runStage('load', stage, input, context, events);
  try {
    const features = await run(stages.probeFeatures, spec);
    const objectBtf = specBtf(spec);
    const externs = await run(stages.resolveExterns, { objectBtf, features });
    const btf = await run(stages.loadBtf, { btf: externs?.btf ?? objectBtf, features });
    const mapSpecs = externs?.kconfigMap ? [...spec.maps, externs.kconfigMap] : spec.maps;
    const maps = await run(stages.createMaps, { maps: mapSpecs, btf, features });
    const relocated = await run(stages.relocatePrograms, { maps, btf, externs });
    const programs = await run(stages.loadPrograms, { relocated, maps, btf });
    await run(stages.fillSlots, { maps, programs });
    await run(stages.prepareStructOps, { maps, programs });
    resources.commit();
    return new LoadedObject(spec, maps, programs, backend, { btfFd: btf?.fd, attachers: stages.attachers });
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
