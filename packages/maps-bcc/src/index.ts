export {
  BCC_FORMAT,
  BccTableDefinitionsArtifact,
  bccMapCollector,
  readBccMaps,
} from './bcc-map-collector.js';
export { BCC_SECTION_PREFIX, type BccSectionName, isBccSection, parseBccSection } from './bcc-section.js';
export { type BccTableDefinition, readBccTable } from './bcc-table-definition.js';
export { BCC_SHARING_SECTIONS, BccTableType, bccMapType } from './bcc-table-types.js';
export { bccPlugin } from './plugin.js';
