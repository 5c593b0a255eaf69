import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadKernelBtf } from './kernel-btf.js';
import { asBpftool, bpftoolAvailable, bpftoolDump } from './test-support/bpftool.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const haveVmlinux = existsSync(VMLINUX);
const haveBpftool = bpftoolAvailable();
if ((!haveVmlinux || !haveBpftool) && process.env.BPFKIT_REQUIRE_KERNEL === '1') {
  throw new Error(`kernel BTF tests need ${VMLINUX} and bpftool`);
}

describe.skipIf(!haveVmlinux)('kernel BTF (needs /sys/kernel/btf/vmlinux)', () => {
  it('parses once per process and path', () => {
    expect(loadKernelBtf()).toBe(loadKernelBtf(VMLINUX));
  });

  it('answers the queries a loader asks of vmlinux', () => {
    const btf = loadKernelBtf();
    const task = btf.findOne('task_struct', 'STRUCT');
    expect(btf.resolveSize(task)).toBeGreaterThan(1000);
    expect(btf.formatType(btf.findMember(task, 'comm').type)).toBe('char[16]');
    expect(btf.formatType(btf.findMember(task, 'parent').type)).toBe('struct task_struct *');
    expect(btf.formatType(btf.findOne('__u32', 'TYPEDEF'))).toBe('__u32');
    expect(btf.formatType(btf.skipModsAndTypedefs(btf.findOne('__u32', 'TYPEDEF')))).toBe('unsigned int');
    expect(btf.memberOffsetBits(btf.findOne('iphdr', 'STRUCT'), 'daddr')).toBe(128);
  });

  it.skipIf(!haveBpftool)('decodes every vmlinux type as bpftool dumps it', () => {
    const expected = bpftoolDump(VMLINUX);
    const btf = loadKernelBtf();
    expect(btf.typeCount).toBe(expected.length);
    let id = 1;
    for (const type of btf) {
      const theirs = expected[id - 1]!;
      // compare one by one: a 126k-element toEqual diff would be unreadable
      if (JSON.stringify(asBpftool(type)) !== JSON.stringify(theirs)) expect(asBpftool(type)).toEqual(theirs);
      id++;
    }
  });
});
