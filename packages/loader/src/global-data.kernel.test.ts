import { VerifierError } from '@bpfkit/core';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { describe, expect, it } from 'vitest';
import { createLoader } from './container.js';
import { getVariable, globalVariables, setVariable } from './variables.js';

const fixture = (name: string) => new URL(`../../../fixtures/${name}`, import.meta.url).pathname;
const skip = kernelSkipReason();
const packet = new Uint8Array(74); // an Ethernet frame's worth of zeros: skb->len is 60 past the MAC header

describe('global variables between open and load', () => {
  it('lists every variable with its map and C type, and reads initial values', () => {
    const spec = createLoader().open(fixture('global_vars.bpfel.o'));
    expect(globalVariables(spec).map((v) => `${v.map} ${v.name}: ${v.typeName}`)).toEqual([
      '.rodata verdict: const volatile __u32',
      '.rodata counting: const volatile __u8',
      '.data last_len: __u32',
      '.bss packets: __u64',
      '.bss bytes: __u64',
    ]);
    expect(getVariable(spec, 'last_len')).toBe(0xffffffff);
    setVariable(spec, 'verdict', 77);
    expect(getVariable(spec, 'verdict')).toBe(77);
    expect(() => setVariable(spec, 'nope', 1)).toThrow(/no global variable named nope/);
  });
});

describe.skipIf(skip)(`global data in the kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('a .rodata constant set before load changes what the program returns', async () => {
    const loader = createLoader();
    const plain = await loader.load(loader.open(fixture('global_vars.bpfel.o')));
    const steeredSpec = loader.open(fixture('global_vars.bpfel.o'));
    setVariable(steeredSpec, 'verdict', 1234);
    const steered = await loader.load(steeredSpec);
    try {
      expect(plain.program('steered_filter').testRun({ data: packet }).retval).toBe(60);
      expect(steered.program('steered_filter').testRun({ data: packet }).retval).toBe(1234);
    } finally {
      plain.close();
      steered.close();
    }
  });

  it('the program counts in .bss and writes .data; user space reads both, and .rodata is frozen', async () => {
    const loader = createLoader();
    const loaded = await loader.load(loader.open(fixture('global_vars.bpfel.o')));
    try {
      loaded.program('steered_filter').testRun({ data: packet, repeat: 25 });
      expect(loaded.readVariable('packets')).toBe(25n);
      expect(loaded.readVariable('bytes')).toBe(25n * 60n);
      expect(loaded.readVariable('last_len')).toBe(60);
      loaded.writeVariable('packets', 1000n);
      loaded.program('steered_filter').testRun({ data: packet });
      expect(loaded.readVariable('packets')).toBe(1001n);
      expect(() => loaded.writeVariable('verdict', 5)).toThrow();
    } finally {
      loaded.close();
    }
  });

  it('turning a .rodata switch off before load stops the counting', async () => {
    const loader = createLoader();
    const spec = loader.open(fixture('global_vars.bpfel.o'));
    setVariable(spec, 'counting', 0);
    const loaded = await loader.load(spec);
    try {
      loaded.program('steered_filter').testRun({ data: packet, repeat: 5 });
      expect(loaded.readVariable('packets')).toBe(0n);
      expect(loaded.readVariable('last_len')).toBe(60);
    } finally {
      loaded.close();
    }
  });

  it('a verifier refusal names the C source line of the failing instruction', async () => {
    const loader = createLoader();
    const error = await loader.load(loader.open(fixture('unsafe_null_deref.bpfel.o'))).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VerifierError);
    const verifier = error as VerifierError;
    expect(verifier.log).toContain("invalid mem access 'map_value_or_null'");
    expect(verifier.location.program).toBe('unchecked_lookup');
    expect(verifier.location.source).toMatchObject({ file: './fixtures/unsafe_null_deref.bpf.c', line: 20 });
    expect(verifier.location.source?.text).toContain('*count += 1;');
    expect(verifier.message).toContain('at ./fixtures/unsafe_null_deref.bpf.c:20: *count += 1;');
  });
});
