export { type AddFilterRequest, type AttachedFilter, addFilter } from './add-filter.js';
export {
  DEFAULT_SECTION,
  NETLINK_PRIORITY,
  parseTcArgs,
  type TcCommand,
  type TcMode,
  USAGE,
} from './args.js';
export { chooseTcMode } from './attach-classifier.js';
export { type DeletedFilter, type DeleteFilterRequest, deleteFilter } from './delete-filter.js';
export { classifierPinPath, LINKS_DIR, linkPinPath } from './link-pin.js';
export { type Io, main } from './main.js';
export { type TailCallSlot, tailCallSlots } from './tail-calls.js';
export { createTcLoader } from './tc-loader.js';
