import { existsSync } from 'node:fs';
import { BtfBuilder, loadKernelBtf } from '@bpfkit/btf';
import { describe, expect, it } from 'vitest';
import { essentialName, essentialNameLength } from './essential-name.js';
import { buildTargetIndex, TargetIndex } from './target-index.js';

describe('essential names', () => {
  it('drop the last ___flavor suffix, as libbpf does', () => {
    expect(essentialName('task_struct___v1')).toBe('task_struct');
    expect(essentialName('a___b___c')).toBe('a___b');
    expect(essentialName('task_struct')).toBe('task_struct');
    expect(essentialName('x____y')).toBe('x____y'); // four underscores: not a flavor
    expect(essentialName('___x')).toBe('___x');
    expect(essentialNameLength('sk___')).toBe(5);
  });
});

describe('TargetIndex', () => {
  it('finds candidates by essential name and compatible kind, in id order', () => {
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, { signed: true });
    const s1 = b.add({ kind: 'STRUCT', name: 'sample', size: 4, bitfieldOffsets: false, members: [] });
    const s2 = b.add({ kind: 'STRUCT', name: 'sample___2', size: 4, bitfieldOffsets: false, members: [] });
    b.add({ kind: 'TYPEDEF', name: 'sample', type: int });
    const e32 = b.add({ kind: 'ENUM', name: 'e', size: 4, signed: false, values: [] });
    const e64 = b.add({ kind: 'ENUM64', name: 'e___wide', size: 8, signed: false, values: [] });
    const index = new TargetIndex(b.build());
    expect(index.candidates('sample___mine', 'STRUCT')).toEqual([s1, s2]);
    expect(index.candidates('e', 'ENUM64')).toEqual([e32, e64]);
    expect(index.candidates('missing', 'STRUCT')).toEqual([]);
    expect(index.candidates('', 'STRUCT')).toEqual([]);
  });

  it('finds FUNC, VAR, DATASEC and DECL_TAG candidates, which it does not index, by scanning', () => {
    const b = new BtfBuilder();
    const proto = b.add({ kind: 'FUNC_PROTO', name: '', returnType: 0, params: [] });
    const f1 = b.add({ kind: 'FUNC', name: 'handler', type: proto, linkage: 'global' });
    b.add({ kind: 'STRUCT', name: 'handler', size: 0, bitfieldOffsets: false, members: [] });
    const f2 = b.add({ kind: 'FUNC', name: 'handler___v2', type: proto, linkage: 'static' });
    const v = b.add({ kind: 'VAR', name: 'handler', type: proto, linkage: 'global' });
    const index = new TargetIndex(b.build());
    expect(index.candidates('handler', 'FUNC')).toEqual([f1, f2]);
    expect(index.candidates('handler___mine', 'VAR')).toEqual([v]);
    expect(index.candidates('handler', 'STRUCT')).toEqual([f1 + 1]);
  });

  const hasKernelBtf = existsSync('/sys/kernel/btf/vmlinux');
  if (!hasKernelBtf && process.env.BPFKIT_REQUIRE_KERNEL === '1') {
    throw new Error('BPFKIT_REQUIRE_KERNEL=1 but /sys/kernel/btf/vmlinux is missing');
  }
  // How fast is the bench's business (core-relocate rows), not a unit test's.
  it.skipIf(!hasKernelBtf)('indexes vmlinux once per Btf, finding what a name search finds', () => {
    const vmlinux = loadKernelBtf();
    const index = buildTargetIndex(vmlinux);
    expect(buildTargetIndex(vmlinux)).toBe(index);
    expect(index.candidates('task_struct', 'STRUCT')).toEqual(vmlinux.findByName('task_struct', 'STRUCT'));
  });
});
