import { type Btf, loadKernelBtf } from '@bpfkit/btf';
import { NotFoundError, type ProgramSpec, ProgramType, parseSectionName } from '@bpfkit/core';

/**
 * The kernel BTF type a tp_btf, fentry/fexit/fmod_ret, lsm or iter program attaches to, passed as
 * attach_btf_id at load. Names as libbpf's find_attach_btf_id looks them up: tp_btf targets are
 * the typedef "btf_trace_<name>", lsm hooks the function "bpf_lsm_<name>", iterators the function
 * "bpf_iter_<name>", the rest the function itself. Undefined for programs that need none.
 */
export function attachBtfId(
  program: ProgramSpec,
  kernelBtf: () => Btf = () => loadKernelBtf(),
): number | undefined {
  const definition = parseSectionName(program.section)?.definition;
  if (!definition?.attachBtf || program.type === ProgramType.EXT) return undefined;
  const target = program.attachTarget;
  const [name, kind] =
    program.type === ProgramType.LSM
      ? [`bpf_lsm_${target}`, 'FUNC' as const]
      : program.section.startsWith('tp_btf/')
        ? [`btf_trace_${target}`, 'TYPEDEF' as const]
        : program.section.replace(/^\?/, '').startsWith('iter')
          ? [`bpf_iter_${target}`, 'FUNC' as const]
          : [target, 'FUNC' as const];
  const [id] = kernelBtf().findByName(name, kind);
  if (id === undefined) {
    throw new NotFoundError(
      `the kernel's BTF has no ${kind} ${name}, the attach target of section ${program.section}`,
      {
        location: { program: program.name, section: program.section },
        hint: target
          ? 'check the function or tracepoint name against /sys/kernel/btf/vmlinux; a target set by user space must be set before load'
          : 'the section names no attach target',
      },
    );
  }
  return id;
}
