import { execFileSync } from 'node:child_process';
import { parseBtf } from '@bpfkit/btf';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { describe, expect, it } from 'vitest';
import { createLoader } from './container.js';

const fixture = (name: string) => new URL(`../../../fixtures/${name}`, import.meta.url).pathname;
const skip = kernelSkipReason('bpftool');

/** FUNC name -> linkage, as `bpftool btf dump` prints the kernel's copy of a BTF object. */
function kernelFuncLinkage(btfId: number): Record<string, string> {
  const dump = JSON.parse(
    execFileSync('bpftool', ['-j', 'btf', 'dump', 'id', String(btfId)], { encoding: 'utf8' }),
  );
  const funcs: Record<string, string> = {};
  for (const type of dump.types as { kind: string; name: string; linkage?: string }[]) {
    if (type.kind === 'FUNC') funcs[type.name] = type.linkage ?? '';
  }
  return funcs;
}

describe('hidden global functions', () => {
  it('are static in the object BTF after open, visible globals are not (libbpf mark_btf_static)', () => {
    for (const order of ['bpfel', 'bpfeb']) {
      const spec = createLoader().open(fixture(`hidden_func.${order}.o`));
      const btf = parseBtf(spec.btf!);
      const linkage = (name: string) => {
        const type = btf.typeById(btf.findOne(name, 'FUNC'));
        return type.kind === 'FUNC' ? type.linkage : type.kind;
      };
      expect([linkage('store_sum'), linkage('checked_store'), linkage('hidden_caller')]).toEqual([
        'static',
        'global',
        'global',
      ]);
    }
  });

  it.skipIf(skip)(
    `load, verified in their caller's context, and the kernel's BTF says static${skip ? ` (skipped: ${skip})` : ''}`,
    async () => {
      const loader = createLoader();
      const loaded = await loader.load(loader.open(fixture('hidden_func.bpfel.o')));
      try {
        const program = loaded.program('hidden_caller');
        expect(program.testRun({ data: new Uint8Array(64) }).retval).toBe(43);
        expect(kernelFuncLinkage(program.info().btfId)).toEqual({
          store_sum: 'static',
          checked_store: 'global',
          hidden_caller: 'global',
        });
      } finally {
        loaded.close();
      }
    },
  );
});
