import { describe, expect, it } from 'vitest';
import { BpfCommand } from '../bpf-command.js';
import { Errno } from '../errno.js';
import { AttrBuffer } from './attr-buffer.js';
import { bpfCallPath, libc, nativeAddon } from './libc.js';

// BPF_MAP_LOOKUP_ELEM's attr is 32 bytes: map_fd, key, value, flags.
const ELEM_SIZE = 32;

describe('the native bpf() addon', () => {
  const addon = nativeAddon();

  // One test for both paths: CI counts a skipped test as one that did not run.
  it('binds an attr buffer where the addon is built (bpf(cmd) answers as bpf(cmd, attr, size)); koffi binds nothing', () => {
    if (bpfCallPath() === 'koffi') {
      expect(libc().bindAttr).toBeUndefined();
      return;
    }
    expect(addon?.bindAttr).toBeTypeOf('function');
    const attr = new AttrBuffer(ELEM_SIZE);
    attr.setU32(0, 0x7fffffff); // no such fd
    const bound = addon!.bindAttr!(attr.address, ELEM_SIZE);
    const direct = libc().bpf(BpfCommand.MAP_LOOKUP_ELEM, attr.address, ELEM_SIZE);
    expect(direct).toBe(-Errno.EBADF);
    expect(bound(BpfCommand.MAP_LOOKUP_ELEM)).toBe(direct);
    expect(() => (bound as unknown as () => number)()).toThrow(TypeError);
    expect(addon!.nop!()).toBeUndefined();
  });
});
