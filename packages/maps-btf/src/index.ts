// objectBtf / datasecLayout moved to @bpfkit/btf (shared with maps-bcc); re-exported for callers here.
export { datasecLayout, objectBtf } from '@bpfkit/btf';
export { mapTypeAcceptsBtfKeyValue } from './btf-key-value.js';
export {
  BTF_MAPS_SECTION,
  btfMapCollector,
  type ReadBtfMapsOptions,
  readBtfMaps,
} from './btf-map-collector.js';
export {
  type BtfMapDefinition,
  type ParseDefinitionOptions,
  parseBtfMapDefinition,
} from './btf-map-definition.js';
export { type DataVariable, dataVariables, readVariable, writeVariable } from './data-variables.js';
export {
  globalDataCollector,
  isGlobalDataSection,
  isReadOnlyDataSection,
  readGlobalData,
} from './global-data-collector.js';
export { internalMapKernelName } from './internal-map-name.js';
export { adjustRingbufSize, RINGBUF_PAGE_SIZE } from './ringbuf-size.js';
export {
  isStructOpsSection,
  readStructOpsMaps,
  STRUCT_OPS_LINK_SECTION,
  STRUCT_OPS_SECTION,
  structOpsCollector,
} from './struct-ops-collector.js';
