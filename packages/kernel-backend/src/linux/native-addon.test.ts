import { describe, expect, it } from 'vitest';
import { BpfCommand } from '../bpf-command.js';
import { Errno } from '../errno.js';
import { AttrBuffer } from './attr-buffer.js';
import { bpfCallPath, fastCallAddon, libc, nativeAddon } from './libc.js';

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

describe('the fast-call bpf() addon', () => {
  const fast = fastCallAddon();

  it('answers as the Node-API bpf(), and V8 calls its fast path once the caller is optimized', () => {
    if (fast === undefined) {
      // Not built (no C++ compiler, a V8 other than 11.3) or switched off: Node-API or koffi serve.
      // CI (BPFKIT_REQUIRE_KERNEL=1) installs a C++ compiler: there a missing build is a failure.
      const expected =
        process.env.BPFKIT_REQUIRE_KERNEL === '1' &&
        process.versions.v8.startsWith('11.3.') &&
        process.env.BPFKIT_NATIVE !== '0' &&
        process.env.BPFKIT_FAST_CALL !== '0';
      expect(expected, 'the fast-call addon was not built (native/build/bpf_fast_call.node)').toBe(false);
      expect(bpfCallPath()).not.toBe('fast-call');
      return;
    }
    expect(bpfCallPath()).toBe('fast-call');
    const attr = new AttrBuffer(ELEM_SIZE);
    attr.setU32(0, 0x7fffffff); // no such fd
    expect(fast.bpf(BpfCommand.MAP_LOOKUP_ELEM, attr.address, ELEM_SIZE)).toBe(-Errno.EBADF);
    expect(() => (fast.bpf as unknown as (cmd: number) => number)(BpfCommand.MAP_LOOKUP_ELEM)).toThrow(
      TypeError,
    );
    expect(() => fast.bpf('1' as unknown as number, attr.address, ELEM_SIZE)).toThrow(TypeError);

    // A hot loop is optimized on the stack (OSR); from then on every call is a fast one.
    const before = fast.fastCallCount();
    let refused = 0;
    for (let i = 0; i < 200_000; i++) {
      if (fast.bpf(BpfCommand.MAP_LOOKUP_ELEM, attr.address, ELEM_SIZE) === -Errno.EBADF) refused++;
    }
    expect(refused).toBe(200_000);
    expect(fast.fastCallCount() - before).toBeGreaterThan(100_000);
    expect(fast.nop()).toBeUndefined();
  });
});
