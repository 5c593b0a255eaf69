import { VerifierError } from '@bpfkit/core';
import { BpfCommand } from '../bpf-command.js';
import { describeErrno, Errno } from '../errno.js';
import { BtfLoadError, bpfError, type CallSubject } from '../kernel-errors.js';
import { lastLogLine } from '../verifier-log.js';
import type { SimFault } from './fault.js';

/** The error the Linux backend would throw for this errno of this command: the same class and words. */
export function simulatedError(cmd: number, fault: SimFault, subject: CallSubject): Error {
  const what = subject.what ?? 'object';
  const reason = lastLogLine(fault.log);
  if (
    cmd === BpfCommand.PROG_LOAD &&
    (fault.errno === Errno.EINVAL || fault.errno === Errno.EACCES || fault.log)
  ) {
    const program = subject.location?.program ?? what;
    return new VerifierError(
      fault.errno,
      `BPF_PROG_LOAD of program ${program}: the verifier refused it (${describeErrno(fault.errno)})${reason ? `: ${reason}` : ''}`,
      fault.log,
      false,
      { location: subject.location ?? {} },
    );
  }
  if (cmd === BpfCommand.BTF_LOAD && fault.errno !== Errno.EPERM) {
    return new BtfLoadError(
      fault.errno,
      `BPF_BTF_LOAD: the kernel refused the BTF (${describeErrno(fault.errno)})${reason ? `: ${reason}` : ''}`,
      fault.log,
    );
  }
  const error = bpfError(cmd, fault.errno, { privileged: true, ...subject });
  if (fault.detail) error.message += ` (${fault.detail})`;
  return error;
}
