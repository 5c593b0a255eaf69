import { AttachType, KernelError, NotSupportedError, ProgramType, VerifierError } from '@bpfkit/core';
import { checkProgLoadAttr } from '../attr-checks.js';
import type { ProgLoadAttr } from '../backend.js';
import { BpfCommand } from '../bpf-command.js';
import { describeErrno, Errno } from '../errno.js';
import { kernelObjectName } from '../object-name.js';
import { lastLogLine } from '../verifier-log.js';
import { AttrBuffer } from './attr-buffer.js';
import { holdsBpfCapabilities } from './capabilities.js';
import { addressOf, withProfilerSignalBlocked } from './libc.js';
import { LogBuffer } from './log-buffer.js';
import type { BpfSyscall } from './syscall.js';

/** BPF_PROG_LOAD struct of union bpf_attr up to log_true_size (Linux 6.4; zero is fine before). */
const PROG_LOAD_SIZE = 144;
const LOG_LEVEL = 24;
const LOG_SIZE = 28;
const LOG_BUF = 32;
const LOG_TRUE_SIZE = 140;

/** libbpf retries PROG_LOAD a few times when the kernel answers EAGAIN. */
const EAGAIN_ATTEMPTS = 5;

export interface LoadedProgram {
  fd: number;
  log: string;
}

/**
 * BPF_PROG_LOAD the libbpf way: without a log first (fast, no buffer); on refusal again with
 * log_level 1 and a buffer that grows until the whole log fits, so the error carries all of it.
 */
export function loadProgram(sys: BpfSyscall, program: ProgLoadAttr): LoadedProgram {
  const name = kernelObjectName(program.name);
  checkProgLoadAttr(program);
  if (program.instructions.length === 0) {
    throw new KernelError(
      'BPF_PROG_LOAD',
      Errno.EINVAL,
      `BPF_PROG_LOAD of program ${program.name}: no instructions`,
      {
        location: { program: program.name },
      },
    );
  }
  const attr = new AttrBuffer(PROG_LOAD_SIZE);
  // keep every buffer referenced until the call returns: the kernel reads them through addresses
  const license = Buffer.from(`${program.license}\0`, 'latin1');
  writeProgLoadAttr(attr, program, name, addressOf(license));

  const wantsLog = (program.logLevel ?? 0) > 0;
  let log: LogBuffer | undefined = wantsLog ? new LogBuffer(program.logSize) : undefined;
  let logLevel = wantsLog ? program.logLevel! : 0;
  let truncated = false;
  for (let attempt = 0; ; attempt++) {
    attr.setU32(LOG_LEVEL, log ? logLevel : 0);
    attr.setU32(LOG_SIZE, log ? log.size : 0);
    attr.setU64(LOG_BUF, log ? log.address : 0);
    attr.setU32(LOG_TRUE_SIZE, 0);
    const result = withProfilerSignalBlocked(() => sys.raw(BpfCommand.PROG_LOAD, attr, PROG_LOAD_SIZE));
    if (result >= 0) return { fd: result, log: wantsLog && log ? log.text() : '' };
    const errno = -result;
    if (errno === Errno.EAGAIN) {
      if (attempt < EAGAIN_ATTEMPTS) continue;
      throw interrupted(program.name, attempt + 1);
    }
    if (!log) {
      // refused without a log: ask again for the verifier's reasons (libbpf's behaviour)
      if (errno === Errno.EPERM && needsTrampoline(program) && holdsBpfCapabilities()) {
        throw trampolineRefused(program.name);
      }
      if (errno === Errno.EPERM && isIterator(program) && holdsBpfCapabilities()) {
        throw iteratorRefused(program.name, program.attachBtfId ?? 0);
      }
      if (errno === Errno.EPERM || errno === Errno.EBADF || errno === Errno.EFAULT) {
        throw loadError(sys, errno, program.name, '', false);
      }
      log = new LogBuffer(program.logSize);
      logLevel = 1;
      continue;
    }
    if (errno === Errno.ENOSPC) {
      // the log did not fit; log_true_size (6.4+) says how much it needs
      if (log.grow(attr.getU32(LOG_TRUE_SIZE) + 1)) continue;
      truncated = true;
    }
    throw loadError(sys, errno, program.name, log.text(), truncated);
  }
}

function writeProgLoadAttr(attr: AttrBuffer, program: ProgLoadAttr, name: string, license: number): void {
  attr.setU32(0, program.type);
  attr.setU32(4, program.instructions.length / 8);
  attr.setU64(8, addressOf(program.instructions));
  attr.setU64(16, license);
  attr.setU32(40, program.kernelVersion ?? 0);
  attr.setU32(44, program.flags ?? 0);
  attr.setName(48, 16, name);
  attr.setU32(68, program.expectedAttachType ?? 0);
  attr.setU32(72, program.btfFd ?? 0);
  if (program.funcInfo && program.funcInfo.length > 0) {
    const recordSize = program.funcInfoRecSize ?? 8;
    attr.setU32(76, recordSize);
    attr.setU64(80, addressOf(program.funcInfo));
    attr.setU32(88, program.funcInfo.length / recordSize);
  }
  if (program.lineInfo && program.lineInfo.length > 0) {
    const recordSize = program.lineInfoRecSize ?? 16;
    attr.setU32(92, recordSize);
    attr.setU64(96, addressOf(program.lineInfo));
    attr.setU32(104, program.lineInfo.length / recordSize);
  }
  attr.setU32(108, program.attachBtfId ?? 0);
  // attach_prog_fd and attach_btf_obj_fd share one u32
  attr.setU32(112, program.attachProgFd ?? program.attachBtfObjFd ?? 0);
  if (program.fdArray && program.fdArray.length > 0) {
    attr.setU64(120, addressOf(new Uint8Array(program.fdArray.buffer, program.fdArray.byteOffset)));
  }
}

/**
 * fentry/fexit/fmod_ret (TRACING), lsm and freplace (EXT) programs run from a BPF trampoline; a
 * kernel built without them answers EPERM with an empty log even to root (tp_btf and iter, also
 * TRACING with an attach BTF id, need no trampoline).
 */
function needsTrampoline(program: ProgLoadAttr): boolean {
  if (!program.attachBtfId) return false;
  if (program.type === ProgramType.LSM || program.type === ProgramType.EXT) return true;
  if (program.type !== ProgramType.TRACING) return false;
  const attachType = program.expectedAttachType ?? 0;
  return attachType !== AttachType.TRACE_ITER && attachType !== AttachType.TRACE_RAW_TP;
}

function trampolineRefused(program: string): KernelError {
  return new KernelError(
    'BPF_PROG_LOAD',
    Errno.EPERM,
    `BPF_PROG_LOAD of program ${program}: this kernel refused the trampoline program type ` +
      '(fentry/fexit/lsm need BPF trampolines)',
    {
      location: { program },
      hint: 'the process holds CAP_BPF/CAP_SYS_ADMIN and the kernel gave no log: it lacks BPF trampolines; tp_btf, raw_tp and tracepoint programs need none',
    },
  );
}

function isIterator(program: ProgLoadAttr): boolean {
  return program.type === ProgramType.TRACING && program.expectedAttachType === AttachType.TRACE_ITER;
}

/**
 * Some kernels refuse an iterator target to root, before verifying a single instruction: seen for
 * the map-element targets (bpf_map_elem, sockmap, bpf_sk_storage_map) on a 6.18 whose task and
 * bpf_map iterators load; libbpf gets the same EPERM. A capability of the kernel, not of the program.
 */
function iteratorRefused(program: string, attachBtfId: number): NotSupportedError {
  return new NotSupportedError(
    'BPF iterator target',
    `BPF_PROG_LOAD of program ${program}: this kernel refuses the iterator target ` +
      `(attach_btf_id ${attachBtfId}) even to a privileged process`,
    {
      location: { program },
      hint: 'the process holds CAP_BPF/CAP_SYS_ADMIN and the kernel gave no log: it does not offer this iterator target; other targets (task, bpf_map) may still load',
    },
  );
}

/**
 * EAGAIN at every attempt: not a refusal. The verifier stops when the loading thread has a signal
 * pending, so it never finished; SIGPROF is blocked during the call (withProfilerSignalBlocked).
 */
function interrupted(program: string, attempts: number): KernelError {
  return new KernelError(
    'BPF_PROG_LOAD',
    Errno.EAGAIN,
    `BPF_PROG_LOAD of program ${program}: EAGAIN at each of ${attempts} attempts (the verifier stops when a signal is pending)`,
    {
      location: { program },
      hint: 'signals (timers, exiting children, a profiler) reached the loading thread faster than the verifier could finish; load when they are fewer, or block them around the load',
    },
  );
}

function loadError(sys: BpfSyscall, errno: number, program: string, log: string, truncated: boolean): Error {
  const location = { program };
  const verifierRefused = errno === Errno.EINVAL || errno === Errno.EACCES || log.length > 0;
  if (!verifierRefused) {
    return sys.error(BpfCommand.PROG_LOAD, errno, { what: `program ${program}`, location });
  }
  const reason = lastLogLine(log);
  const message =
    `BPF_PROG_LOAD of program ${program}: the verifier refused it (${describeErrno(errno)})` +
    (reason ? `: ${reason}` : '');
  return new VerifierError(errno, message, log, truncated, {
    location,
    ...(log === '' ? { hint: 'the kernel gave no log: check the program type and attach type' } : {}),
    ...(truncated ? { hint: 'the verifier log exceeded 16 MiB and was truncated' } : {}),
  });
}
