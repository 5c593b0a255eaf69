export { pinnedMapRegistry, type RegistryLoadOptions } from './pinned-map-registry.js';
export { tcNetlinkPlugin } from './tc-netlink.js';
