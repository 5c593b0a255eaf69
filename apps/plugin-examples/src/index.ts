export { pinnedMapRegistry, type RegistryLoadOptions } from './pinned-map-registry.js';
