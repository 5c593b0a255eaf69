export { type ElfMapBtfIds, elfMapBtfIds } from './btf-ids.js';
export {
  ELF_MAP_DEF_MIN_SIZE,
  ELF_MAP_DEF_SIZE,
  ELF_MAX_MAPS,
  type ElfMapDefinition,
  elfMapDefinitionSize,
  Iproute2Pinning,
  NO_INNER_INDEX,
  readElfMapDefinitions,
} from './elf-map-definition.js';
export {
  ElfMapDefinitionsArtifact,
  IPROUTE2_FORMAT,
  iproute2MapCollector,
  readIproute2Maps,
} from './iproute2-map-collector.js';
export { iproute2SpecTransform } from './iproute2-spec-transform.js';
export { iproute2MapSymbols } from './map-symbols.js';
export {
  type Iproute2OpenOptions,
  Iproute2OptionKeys,
  type Iproute2Options,
  iproute2OpenOptionDescriptions,
  parseProgramType,
} from './options.js';
export { GLOBALS_DIR, objectUid, TC_DIR } from './pin-paths.js';
export { DEFAULT_BPFFS_ROOT, prepareIproute2PinRoot } from './pin-root.js';
export { DEFAULT_PINNING_FILE, parsePinningDatabase, readPinningDatabase } from './pinning-database.js';
export { iproute2Plugin } from './plugin.js';
export { parseTailCallSection, type TailCallSlot } from './tail-call-sections.js';
