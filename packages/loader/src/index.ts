export { createDefaultContainer, createLoader, type DefaultContainerOptions } from './container.js';
export { LiveMap } from './live/live-map.js';
export { LiveProgram } from './live/live-program.js';
export { canAutoAttach, LoadedObject } from './live/loaded-object.js';
export { TypedMap, TypedPerCpuMap, typedMap } from './live/typed-map.js';
export { type LoadOptions, loadObject } from './load/load-object.js';
export { mapIncompatibility } from './load/map-compatibility.js';
export { DEFAULT_PIN_ROOT, mapPinPath } from './load/pin-paths.js';
export { Loader, type LoadOperation, objectNameOf } from './loader.js';
export { claimSections } from './open/claim-sections.js';
export { elfObjectReader } from './open/elf-object-reader.js';
export { type OpenObjectOptions, type OpenStages, openObject } from './open/open-object.js';
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
