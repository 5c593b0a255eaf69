export type { Direction, FilterNode, IpAddress, PortProtocol, ProtocolName } from './ast.js';
export { formatFilter } from './ast.js';
export { COUNT_FUNCTION, COUNTERS_MAP, CounterSlot } from './codegen.js';
export {
  type CompileFilterOptions,
  compileFilter,
  compileFilterTree,
  type FilterTarget,
  filterProgramName,
} from './compile-filter.js';
export { type FilterCounters, readCounters } from './counters.js';
export { main } from './main.js';
export {
  ethernetFrame,
  type PacketDescription,
  type PacketProtocol,
  parsePacketDescription,
} from './packet.js';
export { parseFilter } from './parser.js';
export { type FilterRun, runFilter, type Verdict } from './run-filter.js';
export { PfcSyntaxError } from './syntax-error.js';
