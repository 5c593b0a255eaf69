export { attachStructOps } from './attach-struct-ops.js';
export {
  createDefaultContainer,
  createLoader,
  type DefaultContainerOptions,
  type LoaderOf,
  type LoaderOptions,
  loaderFrom,
} from './container.js';
export { LiveMap } from './live/live-map.js';
export { LiveProgram } from './live/live-program.js';
export { canAutoAttach, LoadedObject, type LoadedObjectParts } from './live/loaded-object.js';
export { dropCounterName, ringBufferDropCounter } from './live/ring-drops.js';
export { TypedMap, TypedPerCpuMap, typedMap } from './live/typed-map.js';
export type { PreparedExterns } from './load/externs.js';
export type { FreplaceTarget } from './load/freplace-target.js';
export type { KernelFeatures } from './load/kernel-features.js';
export type { LoadedBtf } from './load/load-btf.js';
export type { LoadContext } from './load/load-context.js';
export { type LoadStages, loadObject } from './load/load-object.js';
export { type LoadOptions, loadOptionDescriptions } from './load/load-options.js';
export type { RelocatedProgram } from './load/load-programs.js';
export {
  type BtfInput,
  type CreateMapsInput,
  type ExternsInput,
  type FillSlotsInput,
  type LoadProgramsInput,
  type LoadStage,
  LoadTokens,
  type RelocateInput,
} from './load/load-stages.js';
export { mapIncompatibility } from './load/map-compatibility.js';
export { DEFAULT_PIN_ROOT, mapPinPath } from './load/pin-paths.js';
export { type PinProgramsOptions, pinPrograms } from './load/pin-programs.js';
export type { LoadResources } from './load/resources.js';
export type { LoadEvent, LoadOperation } from './load-operation.js';
export { Loader, objectNameOf } from './loader.js';
export { claimSections } from './open/claim-sections.js';
export { elfObjectReader } from './open/elf-object-reader.js';
export { type OpenStages, openObject } from './open/open-object.js';
export { collectCode, elfProgramCollector } from './open/program-collector.js';
export {
  type GlobalVariable,
  getVariable,
  globalVariables,
  readLiveVariable,
  setVariable,
  specBtf,
  writeLiveVariable,
} from './variables.js';
