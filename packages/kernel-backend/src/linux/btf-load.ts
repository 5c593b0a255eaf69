import { BpfCommand } from '../bpf-command.js';
import { describeErrno, Errno } from '../errno.js';
import { BtfLoadError } from '../kernel-errors.js';
import { lastLogLine } from '../verifier-log.js';
import { AttrBuffer } from './attr-buffer.js';
import { addressOf } from './libc.js';
import { LogBuffer } from './log-buffer.js';
import type { BpfSyscall } from './syscall.js';

// The BPF_BTF_LOAD struct of union bpf_attr, up to btf_log_true_size (6.4; zero before).
const BTF_LOAD_SIZE = 32;

/** BPF_BTF_LOAD, with the same log strategy as PROG_LOAD: a log only when asked or on refusal. */
export function loadBtf(sys: BpfSyscall, data: Uint8Array, logLevel = 0): number {
  if (data.length === 0) {
    throw new BtfLoadError(Errno.EINVAL, 'BPF_BTF_LOAD: the BTF blob is empty', '', {
      location: { byteOffset: 0 },
    });
  }
  const attr = new AttrBuffer(BTF_LOAD_SIZE);
  attr.setU64(0, addressOf(data));
  attr.setU32(16, data.length);
  let log: LogBuffer | undefined = logLevel > 0 ? new LogBuffer() : undefined;
  let level = logLevel;
  for (;;) {
    attr.setU64(8, log ? log.address : 0);
    attr.setU32(20, log ? log.size : 0);
    attr.setU32(24, log ? level : 0);
    attr.setU32(28, 0);
    const result = sys.raw(BpfCommand.BTF_LOAD, attr, BTF_LOAD_SIZE);
    if (result >= 0) return result;
    const errno = -result;
    if (errno === Errno.EPERM || errno === Errno.ENOSYS || errno === Errno.EFAULT) {
      throw sys.error(BpfCommand.BTF_LOAD, errno, { what: 'BTF' });
    }
    if (!log) {
      log = new LogBuffer();
      level = 1;
      continue;
    }
    if (errno === Errno.ENOSPC && log.grow(attr.getU32(28) + 1)) continue;
    const text = log.text();
    const reason = lastLogLine(text);
    throw new BtfLoadError(
      errno,
      `BPF_BTF_LOAD: the kernel refused the BTF (${describeErrno(errno)})${reason ? `: ${reason}` : ''}`,
      text,
      { hint: 'sanitize the BTF for this kernel (kinds it does not know) or load without BTF' },
    );
  }
}
