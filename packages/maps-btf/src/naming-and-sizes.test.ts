import { MapType } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { mapTypeAcceptsBtfKeyValue } from './btf-key-value.js';
import { internalMapKernelName } from './internal-map-name.js';
import { adjustRingbufSize } from './ringbuf-size.js';

describe('internalMapKernelName', () => {
  it('puts up to 8 characters of the object name before a short section name', () => {
    expect(internalMapKernelName('global_data', '.rodata')).toBe('global_d.rodata');
    expect(internalMapKernelName('global_data', '.bss')).toBe('global_d.bss');
    expect(internalMapKernelName('x', '.data')).toBe('x.data');
    expect(internalMapKernelName('my_object', '.kconfig')).toBe('my_obje.kconfig');
  });

  it('uses custom section names alone, cut to 15 characters', () => {
    expect(internalMapKernelName('global_data', '.data.custom')).toBe('.data.custom');
    expect(internalMapKernelName('obj', '.rodata.abracadabra')).toBe('.rodata.abracad');
    expect(internalMapKernelName('obj', '.rodata.str1.1')).toBe('.rodata.str1.1');
  });

  it('replaces characters the kernel refuses in names', () => {
    expect(internalMapKernelName('my-obj', '.data')).toBe('my_obj.data');
    expect(internalMapKernelName('obj', '.data.a-b')).toBe('.data.a_b');
  });
});

describe('adjustRingbufSize', () => {
  it('keeps power-of-two page multiples and zero', () => {
    expect(adjustRingbufSize(4096)).toBe(4096);
    expect(adjustRingbufSize(256 * 1024)).toBe(256 * 1024);
    expect(adjustRingbufSize(0)).toBe(0);
  });

  it('rounds anything else up to the next power-of-two page multiple', () => {
    expect(adjustRingbufSize(1)).toBe(4096);
    expect(adjustRingbufSize(10000)).toBe(16384);
    expect(adjustRingbufSize(3 * 4096)).toBe(16384);
    expect(adjustRingbufSize(4097, 4096)).toBe(8192);
  });

  it('passes through a size no u32 page multiple can hold', () => {
    expect(adjustRingbufSize(0xffffff00)).toBe(0xffffff00);
  });
});

describe('mapTypeAcceptsBtfKeyValue', () => {
  it('refuses the types whose values are fds or kernel records', () => {
    for (const type of [
      MapType.PERF_EVENT_ARRAY,
      MapType.ARRAY_OF_MAPS,
      MapType.HASH_OF_MAPS,
      MapType.RINGBUF,
      MapType.QUEUE,
    ]) {
      expect(mapTypeAcceptsBtfKeyValue(type)).toBe(false);
    }
    for (const type of [
      MapType.HASH,
      MapType.ARRAY,
      MapType.LRU_HASH,
      MapType.BLOOM_FILTER,
      MapType.PROG_ARRAY,
    ]) {
      expect(mapTypeAcceptsBtfKeyValue(type)).toBe(true);
    }
  });
});
