import { existsSync, readFileSync } from 'node:fs';
import { loadKernelBtf } from '@bpfkit/btf';
import { AttachType, ProgramType } from '@bpfkit/core';
import { LinuxBackend } from '@bpfkit/kernel-backend';

// What the running kernel can do, asked of it, so one kernel test expects the right thing on every
// kernel (the host's and the Debian 6.1 guest's of the kernel lane).

/** The kprobe PMU exists only on kernels built with CONFIG_KPROBES. */
export function hasKprobes(): boolean {
  return existsSync('/sys/bus/event_source/devices/kprobe');
}

/**
 * A trial load of `r0 = 0; exit` as fentry on `target`: undefined when it loads, else the refusal
 * (a kernel without BPF trampolines refuses every fentry/fexit/fmod_ret/lsm program).
 */
export function trampolineRefusal(target = 'security_file_open'): Error | undefined {
  const instructions = new Uint8Array(16);
  instructions[0] = 0xb7; // BPF_ALU64 | BPF_MOV | BPF_K: r0 = 0
  instructions[8] = 0x95; // BPF_JMP | BPF_EXIT
  try {
    new LinuxBackend()
      .loadProgram({
        type: ProgramType.TRACING,
        expectedAttachType: AttachType.TRACE_FENTRY,
        attachBtfId: loadKernelBtf().findOne(target, 'FUNC'),
        instructions,
        license: 'GPL',
        name: 'probe_fentry',
      })
      .close();
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

/** BPF LSM programs only run when "bpf" is among the active LSMs (lsm= on the command line). */
export function bpfLsmActive(): boolean {
  const path = '/sys/kernel/security/lsm';
  return existsSync(path) && readFileSync(path, 'utf8').split(',').includes('bpf');
}
