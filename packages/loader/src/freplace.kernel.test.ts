import { execFileSync } from 'node:child_process';
import { KernelError, NotFoundError, type ObjectSpec, UsageError } from '@bpfkit/core';
import { type KernelBackend, LinuxBackend, type ProgLoadAttr } from '@bpfkit/kernel-backend';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { describe, expect, it } from 'vitest';
import { createLoader } from './container.js';
import type { LoadedObject } from './live/loaded-object.js';

const fixture = new URL('../../../fixtures/freplace.bpfel.o', import.meta.url).pathname;
const skip = kernelSkipReason();
const XDP_DROP = 1;
const XDP_PASS = 2;
const packet = new Uint8Array(64);

/** The Linux backend, keeping every BPF_PROG_LOAD it is asked for. */
function recordingBackend(): { backend: KernelBackend; loads: ProgLoadAttr[] } {
  const loads: ProgLoadAttr[] = [];
  const inner = new LinuxBackend();
  const backend = new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key !== 'loadProgram') return typeof value === 'function' ? value.bind(target) : value;
      return (attr: ProgLoadAttr) => {
        loads.push(attr);
        return target.loadProgram(attr);
      };
    },
  });
  return { backend, loads };
}

function failure(operation: PromiseLike<unknown>): Promise<unknown> {
  return Promise.resolve(operation).then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** The id of a FUNC in a kernel BTF object, as bpftool reads it. */
function bpftoolFuncId(btfId: number, name: string): number | undefined {
  const dump = JSON.parse(
    execFileSync('bpftool', ['-j', 'btf', 'dump', 'id', String(btfId)], { encoding: 'utf8' }),
  );
  return (dump.types as { id: number; kind: string; name: string }[]).find(
    (t) => t.kind === 'FUNC' && t.name === name,
  )?.id;
}

describe.skipIf(skip)(`freplace programs${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const loader = createLoader();
  const open = (): ObjectSpec => loader.open(fixture);

  it('without a target program fail by name before reaching the kernel', async () => {
    const error = await failure(loader.load(open()));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain('freplace program drop_instead has no target program');
    expect((error as UsageError).hint).toContain(
      'attachTargets: { drop_instead: { programFd, functionName } }',
    );
  });

  it('naming a function the target does not have fail with a NotFoundError', async () => {
    const target = await loader.load(open(), { select: (p) => p.name === 'verdict' });
    try {
      const error = await failure(
        loader.load(open(), {
          select: (p) => p.name === 'drop_instead',
          attachTargets: {
            drop_instead: { programFd: target.program('verdict').fd, functionName: 'missing' },
          },
        }),
      );
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as Error).message).toMatch(/has no function missing/);
    } finally {
      target.close();
    }
  });

  it('replace a global function of a loaded program: the XDP program drops while the link lives', async () => {
    const target = await loader.load(open(), { select: (p) => p.name === 'verdict' });
    const verdict = target.program('verdict');
    const { backend, loads } = recordingBackend();
    const replacing = createLoader({ backend });
    try {
      expect(verdict.testRun({ data: packet }).retval).toBe(XDP_PASS);
      const options = {
        select: (p: { name: string }) => p.name === 'drop_instead',
        attachTargets: { drop_instead: { programFd: verdict.fd } },
      };
      let replacement: LoadedObject | undefined;
      let refused: unknown;
      try {
        replacement = await replacing.load(replacing.open(fixture), options);
      } catch (error) {
        refused = error;
      }
      // PROG_LOAD named the target program and the BTF id the kernel has for `decide` in its BTF.
      const info = loader.backend.programInfo(verdict.fd);
      expect(loads.at(-1)).toMatchObject({
        attachProgFd: verdict.fd.value,
        attachBtfId: bpftoolFuncId(info.btfId, 'decide'),
      });
      if (!replacement) {
        // A kernel without BPF trampolines (KERNEL.md: this 6.18 host) refuses every EXT program.
        expect(refused).toBeInstanceOf(KernelError);
        expect((refused as Error).message).toContain('refused the trampoline program type');
        return;
      }
      try {
        const link = replacement.program('drop_instead').attach();
        expect(verdict.testRun({ data: packet }).retval).toBe(XDP_DROP);
        link.close();
        expect(verdict.testRun({ data: packet }).retval).toBe(XDP_PASS);
      } finally {
        replacement.close();
      }
    } finally {
      target.close();
    }
  });
});
