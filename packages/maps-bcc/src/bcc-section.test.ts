import { MapDefinitionError, MapType } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { isBccSection, parseBccSection } from './bcc-section.js';
import { bccMapType } from './bcc-table-types.js';

describe('parseBccSection', () => {
  it('reads the table type of maps/<type>', () => {
    expect(parseBccSection('maps/percpu_hash')).toEqual({ tableType: 'percpu_hash' });
  });

  it('keeps the pin path after the first colon as written, absolute or not', () => {
    expect(parseBccSection('maps/hash:/sys/fs/bpf/a:b')).toEqual({
      tableType: 'hash',
      pinPath: '/sys/fs/bpf/a:b',
    });
    expect(parseBccSection('maps/array:tables/x')).toEqual({ tableType: 'array', pinPath: 'tables/x' });
  });

  it('reads the inner table of array_of_maps$<inner>, before any pin path', () => {
    expect(parseBccSection('maps/array_of_maps$inner:/sys/fs/bpf/outer')).toEqual({
      tableType: 'array_of_maps',
      innerMap: 'inner',
      pinPath: '/sys/fs/bpf/outer',
    });
  });

  it('refuses an empty pin path and names that are not BCC sections', () => {
    expect(() => parseBccSection('maps/hash:')).toThrow(MapDefinitionError);
    expect(() => parseBccSection('maps')).toThrow(MapDefinitionError);
    expect([
      isBccSection('maps'),
      isBccSection('maps/'),
      isBccSection('.maps'),
      isBccSection('maps/x'),
    ]).toEqual([false, false, false, true]);
  });
});

describe('bccMapType', () => {
  it("maps BCC's own spellings to kernel map types", () => {
    expect(['prog', 'perf_output', 'perf_array', 'stacktrace', 'lru_percpu_hash'].map(bccMapType)).toEqual([
      MapType.PROG_ARRAY,
      MapType.PERF_EVENT_ARRAY,
      MapType.PERF_EVENT_ARRAY,
      MapType.STACK_TRACE,
      MapType.LRU_PERCPU_HASH,
    ]);
  });

  it('knows no other names, not even object keys', () => {
    expect([bccMapType('prog_array'), bccMapType('toString'), bccMapType('')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});
