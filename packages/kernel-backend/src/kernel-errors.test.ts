import { KernelError, NotSupportedError, PermissionError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { BpfCommand } from './bpf-command.js';
import { Errno } from './errno.js';
import { bpfError } from './kernel-errors.js';

describe('bpfError', () => {
  it('turns EPERM of an unprivileged process into PermissionError naming the capabilities', () => {
    const error = bpfError(BpfCommand.MAP_CREATE, Errno.EPERM, { what: 'map counters', privileged: false });
    expect(error).toBeInstanceOf(PermissionError);
    expect(error.message).toBe('BPF_MAP_CREATE on map counters: operation not permitted (EPERM)');
    expect(error.hint).toMatch(/CAP_BPF.*CAP_SYS_ADMIN/);
  });

  it('does not blame capabilities for EPERM when the process holds them', () => {
    const error = bpfError(BpfCommand.PROG_LOAD, Errno.EPERM, { what: 'program trace', privileged: true });
    expect(error).toBeInstanceOf(KernelError);
    expect(error).not.toBeInstanceOf(PermissionError);
    expect(error.hint).toMatch(/holds CAP_BPF and CAP_SYS_ADMIN/);
  });

  it('reports EINVAL from a command newer than the running kernel as NotSupportedError', () => {
    const error = bpfError(BpfCommand.MAP_LOOKUP_BATCH, Errno.EINVAL, { kernelRelease: '5.4.0-150-generic' });
    expect(error).toBeInstanceOf(NotSupportedError);
    expect((error as NotSupportedError).feature).toBe('BPF_MAP_LOOKUP_BATCH');
    expect(error.message).toBe('BPF_MAP_LOOKUP_BATCH needs Linux 5.6, running 5.4.0-150-generic');
  });

  it('keeps EINVAL an invalid argument on a kernel that has the command', () => {
    const error = bpfError(BpfCommand.MAP_LOOKUP_BATCH, Errno.EINVAL, { kernelRelease: '6.18.0' });
    expect(error).toBeInstanceOf(KernelError);
    expect((error as KernelError).errno).toBe(Errno.EINVAL);
  });

  it('explains EEXIST, ENOENT and E2BIG of an update with the map limits', () => {
    const full = bpfError(BpfCommand.MAP_UPDATE_ELEM, Errno.E2BIG, { what: 'map flows', maxEntries: 1024 });
    expect(full.hint).toMatch(/full \(max_entries 1024\)/);
    expect(bpfError(BpfCommand.MAP_UPDATE_ELEM, Errno.EEXIST).hint).toMatch(/BPF_NOEXIST/);
    expect(bpfError(BpfCommand.MAP_UPDATE_ELEM, Errno.ENOENT).hint).toMatch(/BPF_EXIST/);
  });

  it('says ENOSYS means no bpf() at all', () => {
    expect(bpfError(BpfCommand.MAP_CREATE, Errno.ENOSYS)).toBeInstanceOf(NotSupportedError);
  });
});
