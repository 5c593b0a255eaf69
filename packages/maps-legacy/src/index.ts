export { LEGACY_MAP_DEF_SIZE, legacyMapCollector, readLegacyMaps } from './legacy-map-collector.js';
export { mapSymbolsInSection } from './map-symbols.js';
