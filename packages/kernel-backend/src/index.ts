export type {
  BackendKind,
  BatchResult,
  FdArg,
  KernelBackend,
  MapCreateAttr,
  MapInfo,
  ProgLoadAttr,
  ProgLoadResult,
  ProgramInfo,
  TestRunOptions,
  TestRunResult,
} from './backend.js';
export { BpfCommand, type BpfCommandName, commandName } from './bpf-command.js';
export { describeErrno, Errno, errnoName } from './errno.js';
export { Fd, type FdOwner, fdValue } from './fd.js';
export { BtfLoadError } from './kernel-errors.js';
export { LinuxBackend } from './linux/linux-backend.js';
export { UdpSocket } from './linux/udp-socket.js';
export { kernelObjectName } from './object-name.js';
export { countCpuList } from './possible-cpus.js';
export type { InjectedFault, SimOperation } from './simulated/failures.js';
export { FailurePlan } from './simulated/failures.js';
export type { SimBtf, SimMap, SimObject, SimProgram } from './simulated/objects.js';
export { SimulatedKernel, type SimulatedKernelOptions } from './simulated/simulated-kernel.js';
