export {
  encodeFuncInfo,
  encodeLineInfo,
  FUNC_INFO_SIZE,
  LINE_INFO_SIZE,
  lineInfoAt,
} from './debug-info-records.js';
export { type LinkedProgram, linkProgram } from './link-program.js';
export { type MapFdLookup, resolveMapRelocations } from './resolve-maps.js';
