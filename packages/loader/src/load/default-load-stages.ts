import { loadKernelBtf } from '@bpfkit/btf';
import { createMaps } from './create-maps.js';
import { prepareExterns } from './externs.js';
import { kernelFeatures } from './kernel-features.js';
import { loadObjectBtf } from './load-btf.js';
import { fillReferenceSlots, loadPrograms, relocatePrograms } from './load-programs.js';
import { LoadTokens } from './load-stages.js';
import { prepareStructOps } from './struct-ops.js';

// The default stage behind each load token: each is the plain function of its own file, given its
// input and what it needs of the context. Replace one with a plugin; the others stay.

type StageOf<K extends keyof typeof LoadTokens> = (typeof LoadTokens)[K] extends { __type?: infer T }
  ? T
  : never;

export const probeFeaturesStage: StageOf<'ProbeFeatures'> = {
  name: LoadTokens.ProbeFeatures.description,
  run: (_spec, context) => kernelFeatures(context.backend),
};

export const resolveExternsStage: StageOf<'ResolveExterns'> = {
  name: LoadTokens.ResolveExterns.description,
  run: ({ objectBtf, features }, { spec, options }) =>
    prepareExterns(spec, objectBtf, features, {
      ...(options.kconfig ? { kconfig: options.kconfig } : {}),
      kernelBtf: () => loadKernelBtf(options.btfPath),
    }),
};

export const loadBtfStage: StageOf<'LoadBtf'> = {
  name: LoadTokens.LoadBtf.description,
  run: ({ btf, features }, { spec, backend, resources, events }) =>
    loadObjectBtf(spec, btf, backend, features, resources, events),
};

export const createMapsStage: StageOf<'CreateMaps'> = {
  name: LoadTokens.CreateMaps.description,
  run: ({ maps, btf, features }, { backend, resources, options }) =>
    createMaps(maps, backend, resources, {
      btf,
      features,
      ...(options.pinRoot === undefined ? {} : { pinRoot: options.pinRoot }),
      ...(options.mapReplacements === undefined ? {} : { replacements: options.mapReplacements }),
    }),
};

export const relocateProgramsStage: StageOf<'RelocatePrograms'> = {
  name: LoadTokens.RelocatePrograms.description,
  run: ({ maps, btf, externs }, { spec, options }) => relocatePrograms(spec, maps, options, btf, externs),
};

export const loadProgramsStage: StageOf<'LoadPrograms'> = {
  name: LoadTokens.LoadPrograms.description,
  run: ({ relocated, maps, btf }, { spec, backend, resources, options }) =>
    loadPrograms(spec, relocated, maps, backend, resources, options, btf),
};

export const fillSlotsStage: StageOf<'FillSlots'> = {
  name: LoadTokens.FillSlots.description,
  run: ({ maps, programs }, { spec }) => fillReferenceSlots(spec, maps, programs),
};

export const prepareStructOpsStage: StageOf<'PrepareStructOps'> = {
  name: LoadTokens.PrepareStructOps.description,
  run: ({ maps, programs }, { spec }) => prepareStructOps(spec, maps, programs),
};
