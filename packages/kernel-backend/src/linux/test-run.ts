import { checkTestRunOptions } from '../attr-checks.js';
import type { TestRunOptions, TestRunResult } from '../backend.js';
import { BpfCommand } from '../bpf-command.js';
import { Errno } from '../errno.js';
import { AttrBuffer } from './attr-buffer.js';
import { addressOf, withProfilerSignalBlocked } from './libc.js';
import type { BpfSyscall } from './syscall.js';

// The `test` struct of union bpf_attr (BPF_PROG_TEST_RUN), padded to 8 bytes.
const TEST_SIZE = 80;
/** room for an XDP program that grows the packet, when the caller does not say */
const DEFAULT_HEADROOM = 256;

/** BPF_PROG_TEST_RUN: runs the program once (or `repeat` times) on the given input. */
export function testRun(sys: BpfSyscall, fd: number, options: TestRunOptions): TestRunResult {
  checkTestRunOptions(options);
  const data = options.data ?? new Uint8Array(0);
  let dataOut = new Uint8Array(options.dataOutSize ?? (data.length > 0 ? data.length + DEFAULT_HEADROOM : 0));
  const ctx = options.ctx;
  let ctxOut = new Uint8Array(options.ctxOutSize ?? ctx?.length ?? 0);
  for (let attempt = 0; ; attempt++) {
    const attr = new AttrBuffer(TEST_SIZE);
    attr.setU32(0, fd);
    attr.setU32(8, data.length);
    attr.setU32(12, dataOut.length);
    attr.setU64(16, data.length > 0 ? addressOf(data) : 0);
    attr.setU64(24, dataOut.length > 0 ? addressOf(dataOut) : 0);
    attr.setU32(32, options.repeat ?? 0);
    attr.setU32(40, ctx?.length ?? 0);
    attr.setU32(44, ctxOut.length);
    attr.setU64(48, ctx && ctx.length > 0 ? addressOf(ctx) : 0);
    attr.setU64(56, ctxOut.length > 0 ? addressOf(ctxOut) : 0);
    attr.setU32(64, options.flags ?? 0);
    attr.setU32(68, options.cpu ?? 0);
    attr.setU32(72, options.batchSize ?? 0);
    // the kernel's run loop stops with EINTR on a pending signal: SIGPROF waits (libc.ts)
    const result = withProfilerSignalBlocked(() => sys.raw(BpfCommand.PROG_TEST_RUN, attr, TEST_SIZE));
    if (result === -Errno.ENOSPC && attempt === 0) {
      // an output buffer was too small; the kernel wrote back the sizes it needs
      dataOut = new Uint8Array(Math.max(attr.getU32(12), dataOut.length));
      ctxOut = new Uint8Array(Math.max(attr.getU32(44), ctxOut.length));
      continue;
    }
    if (result < 0) throw sys.error(BpfCommand.PROG_TEST_RUN, -result, { what: `program fd ${fd}` });
    const dataSize = attr.getU32(12);
    const ctxSize = attr.getU32(44);
    return {
      retval: attr.getU32(4),
      duration: attr.getU32(36),
      dataOut: dataOut.subarray(0, Math.min(dataSize, dataOut.length)),
      ...(ctxOut.length > 0 ? { ctxOut: ctxOut.subarray(0, Math.min(ctxSize, ctxOut.length)) } : {}),
    };
  }
}
