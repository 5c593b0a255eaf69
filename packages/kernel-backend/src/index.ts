export {
  type AttachableProgram,
  type Attacher,
  type AttachOptions,
  requireAttachOption,
} from './attach/attacher.js';
export { attachProgram } from './attach/auto-attach.js';
export { attachCgroup } from './attach/cgroup.js';
export { defaultAttachers } from './attach/default-attachers.js';
export { attachIter, type IterAttachOptions, readIterator, readIteratorText } from './attach/iter.js';
export { Link, type LinkKind } from './attach/link.js';
export { attachNetns } from './attach/netns.js';
export {
  attachTcx,
  attachXdp,
  interfaceIndex,
  type NetworkInterface,
  type TcxAttachOptions,
  type TcxDirection,
  type XdpAttachOptions,
  XdpFlags,
} from './attach/network.js';
export {
  PerfHardware,
  PerfSoftware,
  PerfType,
} from './attach/perf-event.js';
export { attachPerfEventProgram, type PerfEventProgramOptions } from './attach/perf-event-program.js';
export {
  attachKprobe,
  attachTracepoint,
  attachUprobe,
  type KprobeOptions,
  type ProbeOptions,
  type UprobeOptions,
} from './attach/probes.js';
export { attachSocketFilter } from './attach/socket-filter.js';
export {
  attachTcNetlink,
  TcFilterLink,
  type TcNetlinkAttachOptions,
  tcNetlinkAttacher,
} from './attach/tc-netlink.js';
export { hasTcx } from './attach/tcx-probe.js';
export { tracepointId } from './attach/tracefs.js';
export { attachRawTracepoint, attachTracing, type TracingAttachOptions } from './attach/tracing.js';
export * from './attach/usdt/index.js';
export type {
  BackendKind,
  BatchResult,
  FdArg,
  KernelBackend,
  LinkCreateAttr,
  LinkInfo,
  MapCreateAttr,
  MapInfo,
  ObjectKind,
  ProgLoadAttr,
  ProgLoadResult,
  ProgramInfo,
  TcBpfFilterAttr,
  TcDirection,
  TcFilter,
  TcFilterRef,
  TcHook,
  TestRunOptions,
  TestRunResult,
} from './backend.js';
export { BpfCommand, type BpfCommandName, commandName } from './bpf-command.js';
export { describeErrno, Errno, errnoName } from './errno.js';
export { PerfBuffer, type PerfBufferEvent, type PerfBufferOptions } from './events/perfbuf.js';
export { type PerfBufferEventsOptions, perfBufferEvents } from './events/perfbuf-events.js';
export type { PollingOptions } from './events/poll-loop.js';
export type { RecordBatch } from './events/record-batch.js';
export { type RingBufferDropsOptions, type RingDrops, ringBufferDrops } from './events/ring-drops.js';
export type { RingRecord } from './events/ring-record.js';
export {
  type BatchCallback,
  type RecordCallback,
  RingBuffer,
  type RingRecordCallback,
} from './events/ringbuf.js';
export { type RingBufferBatchesOptions, ringBufferBatches } from './events/ringbuf-batches.js';
export {
  RING_BATCH_RECORDS,
  type RingBufferEventsOptions,
  ringBufferEvents,
} from './events/ringbuf-events.js';
export { type RingBufferRecordsOptions, ringBufferRecords } from './events/ringbuf-records.js';
export { Fd, type FdOwner, fdValue } from './fd.js';
export { BtfLoadError } from './kernel-errors.js';
export { bpfCallPath } from './linux/libc.js';
export { LinuxBackend } from './linux/linux-backend.js';
export { removeEmptyDirectories } from './linux/pin-directories.js';
export { readRegularFile } from './linux/read-file.js';
export { UdpSocket } from './linux/udp-socket.js';
export { kernelObjectName } from './object-name.js';
export { countCpuList } from './possible-cpus.js';
export type { InjectedFault, SimOperation } from './simulated/failures.js';
export { FailurePlan } from './simulated/failures.js';
export type { SimBtf, SimLink, SimMap, SimObject, SimProgram } from './simulated/objects.js';
export type { ProgramTagHash } from './simulated/program-check.js';
export { SimulatedKernel, type SimulatedKernelOptions } from './simulated/simulated-kernel.js';
