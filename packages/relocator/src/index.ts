export { type LinkedProgram, linkProgram } from './link-program.js';
export { type MapFdLookup, resolveMapRelocations } from './resolve-maps.js';
