import { disassemble } from '@bpfkit/asm';
import { AttachType, MapType, ProgramType, streamReferences } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { COUNT_FUNCTION, COUNTERS_MAP } from './codegen.js';
import { compileFilter, filterProgramName } from './compile-filter.js';
import { PfcSyntaxError } from './syntax-error.js';

const listing = (expression: string, target: 'xdp' | 'socket') =>
  disassemble(compileFilter(expression, { target }).programs[0]!.instructions).map((l) => l.text);

describe('compileFilter', () => {
  it('writes an XDP object: program, counting subprogram and counters map', () => {
    const spec = compileFilter('udp port 53');
    expect(spec.name).toBe('pfc');
    expect(spec.programs).toHaveLength(1);
    expect(spec.programs[0]).toMatchObject({
      name: 'pfc_xdp',
      section: 'xdp',
      type: ProgramType.XDP,
      expectedAttachType: AttachType.XDP,
      license: 'GPL',
      autoload: true,
    });
    expect(streamReferences(spec.programs[0]!.instructions)).toEqual([
      { kind: 'call', instruction: expect.any(Number), function: COUNT_FUNCTION },
    ]);
    expect(
      spec.functions.map((f) => [f.name, f.section, streamReferences(f.instructions).map((r) => r.kind)]),
    ).toEqual([[COUNT_FUNCTION, '.text', ['map-fd']]]);
    expect(spec.maps).toEqual([
      expect.objectContaining({
        name: COUNTERS_MAP,
        type: MapType.ARRAY,
        keySize: 4,
        valueSize: 8,
        maxEntries: 2,
      }),
    ]);
  });

  it('writes a socket filter for the socket target', () => {
    const spec = compileFilter('udp port 53', { target: 'socket', name: 'dns' });
    expect(spec.name).toBe('dns');
    expect(spec.programs[0]).toMatchObject({
      name: 'pfc_socket',
      section: 'socket',
      type: ProgramType.SOCKET_FILTER,
    });
    expect(filterProgramName('socket')).toBe('pfc_socket');
  });

  it('bounds-checks every XDP packet load against data_end, and reads socket fields through the helper', () => {
    const xdp = listing('src port 80', 'xdp');
    const loads = xdp.filter((t) => /= \*\(u(8|16|32) \*\)\(r[37] \+/.test(t));
    const checks = xdp.filter((t) => /^if r1 > r8 goto/.test(t));
    expect(loads.length).toBeGreaterThan(0);
    expect(checks.length).toBe(loads.length);

    const socket = listing('src port 80', 'socket');
    expect(socket.filter((t) => t === 'call 0x44').length).toBeGreaterThan(0); // bpf_skb_load_bytes_relative
    expect(socket.some((t) => /\(r[37] \+/.test(t))).toBe(false);
  });

  it('compares 32-bit fields with jmp32, so addresses above 2^31 are not sign-extended', () => {
    // 192.168.1.10 = 0xc0a8010a, which llvm-objdump prints as the signed immediate -0x3f57fef6.
    const compares = listing('host 192.168.1.10', 'xdp').filter((t) => t.includes('0x3f57fef6'));
    expect(compares.length).toBe(2); // src, then dst
    for (const text of compares) expect(text).toMatch(/^if w0 [!=]= -0x3f57fef6 goto/);
  });

  it('is deterministic: the same expression gives the same spec', () => {
    expect(compileFilter('tcp and not port 22', { target: 'socket' })).toEqual(
      compileFilter('tcp and not port 22', { target: 'socket' }),
    );
  });

  it('passes syntax errors through untouched', () => {
    expect(() => compileFilter('tcp and and')).toThrow(PfcSyntaxError);
  });
});
