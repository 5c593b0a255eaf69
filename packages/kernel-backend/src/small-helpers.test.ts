import { describe, expect, it } from 'vitest';
import { commandName } from './bpf-command.js';
import { describeErrno } from './errno.js';
import { Fd } from './fd.js';
import { kernelObjectName } from './object-name.js';
import { countCpuList } from './possible-cpus.js';

describe('countCpuList', () => {
  it('counts ranges and single CPUs as libbpf does', () => {
    expect(countCpuList('0-1\n')).toBe(2);
    expect(countCpuList('0-3,5,7-8')).toBe(7);
    expect(countCpuList('0')).toBe(1);
  });

  it('refuses a malformed list', () => {
    expect(() => countCpuList('0-x')).toThrow(/malformed cpu list/);
    expect(() => countCpuList('3-1')).toThrow(/malformed cpu range/);
  });
});

describe('kernelObjectName', () => {
  it('truncates to 15 characters and replaces what the kernel refuses', () => {
    expect(kernelObjectName('xdp_prog')).toBe('xdp_prog');
    expect(kernelObjectName('my-map.rodata')).toBe('my_map.rodata');
    expect(kernelObjectName('0123456789abcdefghij')).toBe('0123456789abcde');
    expect(kernelObjectName('café/x')).toBe('caf__x');
  });
});

describe('names of commands and errnos', () => {
  it('reads like the UAPI', () => {
    expect(commandName(0)).toBe('BPF_MAP_CREATE');
    expect(commandName(999)).toBe('bpf command 999');
    expect(describeErrno(2)).toBe('no such entry (ENOENT)');
    expect(describeErrno(4095)).toBe('errno 4095');
  });
});

describe('Fd', () => {
  it('closes once through its owner, however often close() is called', () => {
    const closed: number[] = [];
    const fd = new Fd(5, { close: (n) => closed.push(n) });
    fd.close();
    fd[Symbol.dispose]();
    expect(closed).toEqual([5]);
    expect(fd.closed).toBe(true);
    expect(String(fd)).toBe('fd 5 (closed)');
  });

  it('refuses to wrap a negative number', () => {
    expect(() => new Fd(-1, { close() {} })).toThrow(/not a file descriptor/);
  });
});
