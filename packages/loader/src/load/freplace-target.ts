import { parseBtf } from '@bpfkit/btf';
import { NotFoundError, type ProgramSpec, UsageError } from '@bpfkit/core';
import { type FdArg, fdValue, type KernelBackend } from '@bpfkit/kernel-backend';

/** The function a freplace (BPF_PROG_TYPE_EXT) program replaces: a global function of a loaded program. */
export interface FreplaceTarget {
  /** the loaded program that holds the function */
  programFd: FdArg;
  /** the function to replace; default: the name the section gives ("freplace/<name>") */
  functionName?: string;
}

/**
 * attach_prog_fd and attach_btf_id of a freplace program, as libbpf's libbpf_find_prog_btf_id
 * finds them: the target program's BTF (BPF_OBJ_GET_INFO_BY_FD -> btf_id -> the BTF's bytes)
 * and the FUNC of that name in it. A freplace program without a target fails here, by name,
 * instead of reaching the kernel (libbpf: "attach program FD is not set").
 */
export function freplaceTarget(
  program: ProgramSpec,
  target: FreplaceTarget | undefined,
  backend: KernelBackend,
): { attachProgFd: number; attachBtfId: number } {
  const location = { program: program.name, section: program.section };
  if (!target) {
    throw new UsageError(`freplace program ${program.name} has no target program to replace a function of`, {
      location,
      hint: `give the load option attachTargets: { ${program.name}: { programFd, functionName } } (libbpf's bpf_program__set_attach_target)`,
    });
  }
  const functionName = target.functionName ?? program.attachTarget;
  if (!functionName) {
    throw new UsageError(`freplace program ${program.name} does not say which function it replaces`, {
      location,
      hint: 'name it in the section (SEC("freplace/<function>")) or in attachTargets[...].functionName',
    });
  }
  const info = backend.programInfo(target.programFd);
  if (info.btfId === 0) {
    throw new NotFoundError(
      `the target program ${info.name} (id ${info.id}) of freplace ${program.name} was loaded without BTF`,
      { location, hint: 'a freplace target must be loaded with its BTF (compile it with -g)' },
    );
  }
  const [attachBtfId] = parseBtf(backend.btfBytes(info.btfId)).findByName(functionName, 'FUNC');
  if (attachBtfId === undefined) {
    throw new NotFoundError(
      `the target program ${info.name} (id ${info.id}) has no function ${functionName} for freplace ${program.name} to replace`,
      { location, hint: 'the function must be a global (non-static) function of the target program' },
    );
  }
  return { attachProgFd: fdValue(target.programFd), attachBtfId };
}
