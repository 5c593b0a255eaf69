export { type AddFilterRequest, type AttachedFilter, addFilter } from './add-filter.js';
export { DEFAULT_SECTION, parseTcArgs, type TcCommand, USAGE } from './args.js';
export { type DeleteFilterRequest, deleteFilter } from './delete-filter.js';
export { LINKS_DIR, linkPinPath } from './link-pin.js';
export { type Io, main } from './main.js';
export { type TailCallSlot, tailCallSlots } from './tail-calls.js';
export { createTcLoader } from './tc-loader.js';
