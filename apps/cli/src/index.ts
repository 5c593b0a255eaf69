// The `bpfkit` package: the command line (bin/bpfkit.js) and, for programs, the default loader's
// public API with what a program using it needs next to it (the typed errors, the event streams
// of ring and perf buffers, the simulated kernel for dry runs, and the BTF codecs generated
// skeletons use). Everything else lives in the @bpfkit/* packages this one depends on.
// What a module from `bpfkit gen types` needs besides the loader: it imports only from here.
export { type Btf, type BtfValue, decodeValue, encodeValue, parseBtf } from '@bpfkit/btf';
export {
  BpfkitError,
  isBpfkitError,
  KernelError,
  NotFoundError,
  NotSupportedError,
  PermissionError,
  PinConflictError,
  UsageError,
  VerifierError,
} from '@bpfkit/core';
export {
  bpfCallPath,
  Link,
  LinuxBackend,
  type PerfBufferEvent,
  perfBufferEvents,
  ringBufferEvents,
  SimulatedKernel,
} from '@bpfkit/kernel-backend';
export * from '@bpfkit/loader';
