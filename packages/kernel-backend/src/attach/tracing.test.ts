import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ProgramBuilder, R0, R1, R2, R3, R4, R5, R6, R7, R10 } from '@bpfkit/asm';
import { AttachType, KernelError, MapType, NotSupportedError, ProgramType } from '@bpfkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KernelBackend } from '../backend.js';
import type { Fd } from '../fd.js';
import {
  countingProgram,
  createCounter,
  loadBuilt,
  readCounter,
  vmlinuxMemberOffset,
  vmlinuxTypeId,
} from '../testing/attach.test-helpers.js';
import { kernelOk, kernelSkipReason, linuxBackend, u32, u64 } from '../testing/kernel-gate.test-helpers.js';
import { attachIter, readIterator, readIteratorText } from './iter.js';
import { PerfSoftware } from './perf-event.js';
import { attachPerfEventProgram } from './perf-event-program.js';
import { attachKprobe, attachTracepoint } from './probes.js';
import { attachRawTracepoint, attachTracing } from './tracing.js';

/** Runs `true` n times: n sched_process_exec events. */
function execTrue(n: number): void {
  for (let i = 0; i < n; i++) spawnSync('/bin/true');
}

describe.skipIf(!kernelOk)(`tracing attach (real kernel) ${kernelSkipReason}`, () => {
  const backend = kernelOk ? linuxBackend() : undefined!;
  let counter: Fd;
  beforeAll(() => {
    counter = createCounter(backend);
  });
  afterAll(() => counter?.close());

  /** The counter grows while the link is attached and stops once it is closed. */
  function expectCountsUntilClosed(
    attach: () => { close(): void },
    trigger: () => void,
    atLeast: bigint,
  ): void {
    const link = attach();
    const before = readCounter(backend, counter);
    trigger();
    expect(readCounter(backend, counter) - before).toBeGreaterThanOrEqual(atLeast);
    link.close();
    const after = readCounter(backend, counter);
    trigger();
    expect(readCounter(backend, counter)).toBe(after);
  }

  it('a tracepoint (perf event + BPF_PERF_EVENT link) sees sched_process_exec', () => {
    using program = loadBuilt(backend, countingProgram(0), { type: ProgramType.TRACEPOINT }, { counter });
    expectCountsUntilClosed(
      () => {
        const link = attachTracepoint(backend, program, 'sched', 'sched_process_exec');
        expect(link.kind).toBe('tracepoint');
        expect(link.fd).toBeDefined();
        return link;
      },
      () => execTrue(3),
      3n,
    );
  });

  it('falls back to PERF_EVENT_IOC_SET_BPF when the kernel has no perf links', () => {
    using program = loadBuilt(backend, countingProgram(0), { type: ProgramType.TRACEPOINT }, { counter });
    const noPerfLinks: KernelBackend = new Proxy(backend, {
      get(target, key, receiver) {
        if (key === 'createLink') {
          return () => {
            throw new NotSupportedError('BPF_LINK_CREATE', 'BPF_LINK_CREATE needs Linux 5.7');
          };
        }
        const value = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    expectCountsUntilClosed(
      () => {
        const link = attachTracepoint(noPerfLinks, program, 'sched', 'sched_process_exec');
        expect(link.fd).toBeUndefined();
        return link;
      },
      () => execTrue(2),
      2n,
    );
  });

  it('a missing tracepoint is a NotFoundError naming it', () => {
    using program = loadBuilt(backend, countingProgram(0), { type: ProgramType.TRACEPOINT }, { counter });
    expect(() => attachTracepoint(backend, program, 'sched', 'no_such_event')).toThrow(
      /no tracepoint sched\/no_such_event/,
    );
  });

  it('raw_tp attaches by tracepoint name with BPF_RAW_TRACEPOINT_OPEN', () => {
    using program = loadBuilt(backend, countingProgram(0), { type: ProgramType.RAW_TRACEPOINT }, { counter });
    expectCountsUntilClosed(
      () => attachRawTracepoint(backend, program, 'sched_process_exec'),
      () => execTrue(3),
      3n,
    );
  });

  it('tp_btf attaches with BPF_LINK_CREATE (BPF_TRACE_RAW_TP)', () => {
    using program = loadBuilt(
      backend,
      countingProgram(0),
      {
        type: ProgramType.TRACING,
        expectedAttachType: AttachType.TRACE_RAW_TP,
        attachBtfId: vmlinuxTypeId('btf_trace_sched_process_exec', 'TYPEDEF'),
      },
      { counter },
    );
    expectCountsUntilClosed(
      () => {
        const link = attachTracing(backend, program, AttachType.TRACE_RAW_TP);
        expect(link.kind).toBe('tracing');
        return link;
      },
      () => execTrue(3),
      3n,
    );
  });

  it('a perf_event program runs on the software CPU clock of every CPU', () => {
    using program = loadBuilt(backend, countingProgram(0), { type: ProgramType.PERF_EVENT }, { counter });
    expectCountsUntilClosed(
      () =>
        attachPerfEventProgram(backend, program, { config: PerfSoftware.CPU_CLOCK, samplePeriod: 100_000 }),
      () => {
        const end = Date.now() + 30;
        while (Date.now() < end); // 30 ms of CPU time: about 300 samples at one per 100 µs
      },
      10n,
    );
  });

  it('a task iterator prints one line per task with bpf_seq_printf', () => {
    using program = loadBuilt(backend, taskIteratorProgram(vmlinuxMemberOffset('task_struct', 'pid')), {
      type: ProgramType.TRACING,
      expectedAttachType: AttachType.TRACE_ITER,
      attachBtfId: vmlinuxTypeId('bpf_iter_task', 'FUNC'),
    });
    using link = attachIter(backend, program);
    const text = readIteratorText(backend, link);
    const pids = text
      .trim()
      .split('\n')
      .map((line) => /^pid (\d+)$/.exec(line)?.[1]);
    expect(pids.length).toBeGreaterThan(10);
    expect(pids).not.toContain(undefined);
    expect(pids).toContain(String(process.pid));
    // each read is a fresh pass
    expect(readIteratorText(backend, link)).toContain(`pid ${process.pid}\n`);
  });

  it('a map iterator walks the map given at attach (bpf_iter_link_info) and writes with bpf_seq_write', () => {
    using values = backend.createMap({
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: 8,
      maxEntries: 3,
      flags: 0,
      name: 'values',
    });
    for (const [key, value] of [10n, 20n, 30n].entries()) backend.mapUpdate(values, u32(key), u64(value));
    const mapElementIterator = {
      type: ProgramType.TRACING,
      expectedAttachType: AttachType.TRACE_ITER,
      attachBtfId: vmlinuxTypeId('bpf_iter_bpf_map_elem', 'FUNC'),
    };
    if (
      !kernelLoads(() => loadBuilt(backend, new ProgramBuilder().mov64Imm(R0, 0).exit(), mapElementIterator))
    ) {
      // some kernels refuse map-element iterators to root before verifying anything (libbpf too)
      const refusal = errorOf(() => loadBuilt(backend, mapElementWriter(), mapElementIterator));
      expect(refusal).toBeInstanceOf(NotSupportedError);
      expect((refusal as NotSupportedError).feature).toBe('BPF iterator target');
      expect((refusal as NotSupportedError).message).toMatch(
        /refuses the iterator target \(attach_btf_id \d+\)/,
      );
      return;
    }
    using program = loadBuilt(backend, mapElementWriter(), mapElementIterator);
    using link = attachIter(backend, program, { mapFd: values });
    const bytes = readIterator(backend, link);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect([0, 8, 16].map((at) => view.getBigUint64(at, true))).toEqual([10n, 20n, 30n]);
    expect(bytes.length).toBe(24);
  });

  it('a kprobe without the kprobe PMU is NotSupportedError naming CONFIG_KPROBES', () => {
    using program = loadBuilt(backend, countingProgram(0), { type: ProgramType.KPROBE }, { counter });
    if (existsSync('/sys/bus/event_source/devices/kprobe')) {
      using link = attachKprobe(backend, program, 'do_sys_openat2');
      expect(link.kind).toBe('kprobe');
      return;
    }
    const error = (() => {
      try {
        attachKprobe(backend, program, 'do_sys_openat2');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(NotSupportedError);
    expect((error as NotSupportedError).feature).toBe('kprobe (CONFIG_KPROBES)');
  });

  it('an fentry load refused by a kernel without trampolines says so', () => {
    const load = () =>
      loadBuilt(backend, new ProgramBuilder().mov64Imm(R0, 0).exit(), {
        type: ProgramType.TRACING,
        expectedAttachType: AttachType.TRACE_FENTRY,
        attachBtfId: vmlinuxTypeId('do_sys_openat2', 'FUNC'),
      });
    let fd: Fd | undefined;
    try {
      fd = load();
    } catch (error) {
      expect(error).toBeInstanceOf(KernelError);
      expect((error as KernelError).message).toContain(
        'this kernel refused the trampoline program type (fentry/fexit/lsm need BPF trampolines)',
      );
      return;
    }
    // a kernel with trampolines: the program attaches with a tracing link
    using loaded = fd;
    attachTracing(backend, loaded, AttachType.TRACE_FENTRY).close();
  });
});

/** The probe: true when the trial load succeeds (its fd closed at once), false when refused. */
function kernelLoads(load: () => Fd): boolean {
  try {
    load().close();
    return true;
  } catch {
    return false;
  }
}

function errorOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/**
 * SEC("iter/bpf_map_elem"): bpf_seq_write(seq, value, 8) for each element. ctx is struct
 * bpf_iter__bpf_map_elem { meta; map; key; value; }.
 */
function mapElementWriter(): ProgramBuilder {
  return new ProgramBuilder()
    .load('u64', R2, R1, 24) // value
    .jump('jeq', R2, 0, 'out')
    .load('u64', R1, R1, 0) // meta
    .load('u64', R1, R1, 0) // meta->seq
    .mov64Imm(R3, 8)
    .call('seq_write')
    .label('out')
    .mov64Imm(R0, 0)
    .exit();
}

/**
 * SEC("iter/task"): for each task, BPF_SEQ_PRINTF(seq, "pid %d\n", task->pid). ctx is struct
 * bpf_iter__task { struct bpf_iter_meta *meta; struct task_struct *task; }, meta->seq first.
 */
function taskIteratorProgram(pidOffset: number): ProgramBuilder {
  return new ProgramBuilder()
    .mov64Reg(R6, R1)
    .load('u64', R7, R6, 8) // task
    .jump('jeq', R7, 0, 'out')
    .load('u32', R1, R7, pidOffset)
    .store('u64', R10, -16, R1) // the one u64 argument
    .storeImm('u32', R10, -8, 0x2064_6970) // "pid "
    .storeImm('u32', R10, -4, 0x000a_6425) // "%d\n\0"
    .load('u64', R1, R6, 0) // meta
    .load('u64', R1, R1, 0) // meta->seq
    .mov64Reg(R2, R10)
    .alu64Imm('add', R2, -8)
    .mov64Imm(R3, 8)
    .mov64Reg(R4, R10)
    .alu64Imm('add', R4, -16)
    .mov64Imm(R5, 8)
    .call('seq_printf')
    .label('out')
    .mov64Imm(R0, 0)
    .exit();
}
