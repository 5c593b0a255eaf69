import type { Btf } from '@bpfkit/btf';
import { RelocationError } from '@bpfkit/core';
import { essentialName } from '../core/essential-name.js';
import { typesAreCompatible } from '../core/type-compat.js';
import type { ExternPlan, KfuncExtern, KsymExtern } from './extern-plan.js';

/** What an extern reference becomes in the program's instructions. */
export type ExternTarget =
  /** a byte offset in the .kconfig map value (a BPF_PSEUDO_MAP_VALUE load) */
  | { kind: 'kconfig'; offset: number }
  /** a typed ksym: BPF_PSEUDO_BTF_ID of a VAR (or FUNC) in kernel BTF object `btfObjFd` (0 = vmlinux) */
  | { kind: 'btf-id'; btfId: number; btfObjFd: number }
  /** a typeless ksym's address, or 0 for a weak ksym that is not there */
  | { kind: 'address'; address: bigint }
  /** a kfunc: BPF_PSEUDO_KFUNC_CALL to FUNC `btfId`; `fdIndex` into fd_array (0 = vmlinux) */
  | { kind: 'kfunc'; btfId: number; fdIndex: number }
  /** a weak kfunc the kernel lacks: calls to it are poisoned */
  | { kind: 'missing-kfunc'; externIndex: number };

export interface ExternSources {
  /** the object's BTF (where the externs' local types are) */
  localBtf: Btf;
  /** the kernel's BTF (loadKernelBtf()), when plan.needsKernelBtf */
  kernelBtf?: Btf;
  /** parseKallsyms(readKallsyms()), when plan.needsKallsyms */
  kallsyms?: ReadonlyMap<string, bigint>;
}

function unresolved(extern: KsymExtern | KfuncExtern, why: string, hint: string): RelocationError {
  return new RelocationError(`extern ${extern.name}: ${why}`, { location: { symbol: extern.name }, hint });
}

function needKernelBtf(sources: ExternSources, extern: KsymExtern | KfuncExtern): Btf {
  if (!sources.kernelBtf) {
    throw unresolved(
      extern,
      'needs the kernel BTF',
      'pass kernelBtf: loadKernelBtf() when plan.needsKernelBtf',
    );
  }
  return sources.kernelBtf;
}

/** libbpf's bpf_object__resolve_ksym_var_btf_id: a VAR of the same name with a compatible type. */
function resolveTypedKsym(extern: KsymExtern, sources: ExternSources): ExternTarget | undefined {
  const kernel = needKernelBtf(sources, extern);
  const [id] = kernel.findByName(essentialName(extern.name), 'VAR');
  if (id === undefined) {
    if (extern.weak) return undefined;
    throw unresolved(
      extern,
      'is not a variable in the kernel BTF',
      'declare it __weak if the kernel may lack it',
    );
  }
  const kernelVar = kernel.typeById(id);
  const kernelType = kernelVar.kind === 'VAR' ? kernel.skipModsAndTypedefs(kernelVar.type) : 0;
  if (!typesAreCompatible(sources.localBtf, extern.typeId, kernel, kernelType)) {
    throw unresolved(
      extern,
      `is ${sources.localBtf.formatType(extern.typeId)} here but ${kernel.formatType(kernelType)} in the kernel`,
      'declare the extern with the kernel type',
    );
  }
  return { kind: 'btf-id', btfId: id, btfObjFd: 0 };
}

/** libbpf's bpf_object__resolve_ksym_func_btf_id: a FUNC of the same name with a compatible prototype. */
function resolveKfunc(extern: KfuncExtern, sources: ExternSources): ExternTarget | undefined {
  const kernel = needKernelBtf(sources, extern);
  const [id] = kernel.findByName(essentialName(extern.name), 'FUNC');
  if (id === undefined) {
    if (extern.weak) return undefined;
    throw unresolved(
      extern,
      'is not a function in the kernel BTF',
      'declare it __weak and check bpf_ksym_exists()',
    );
  }
  const kernelFunc = kernel.typeById(id);
  const proto = kernelFunc.kind === 'FUNC' ? kernelFunc.type : 0;
  if (!typesAreCompatible(sources.localBtf, extern.protoId, kernel, proto)) {
    if (extern.weak) return undefined;
    throw unresolved(
      extern,
      `is declared ${sources.localBtf.formatType(extern.protoId)} but the kernel has ${kernel.formatType(proto)}`,
      'declare the kfunc with the kernel prototype',
    );
  }
  return { kind: 'kfunc', btfId: id, fdIndex: 0 };
}

/**
 * Decides what every extern of `plan` becomes on the running kernel, as libbpf's
 * bpf_object__resolve_externs: kconfig externs their offset in the .kconfig map, typed ksyms and
 * kfuncs a vmlinux BTF id (checked for type compatibility), typeless ksyms their kallsyms
 * address. Weak externs the kernel lacks become zero (weak kfuncs: poisoned calls); strong ones
 * throw RelocationError. Pure: the caller reads the kernel BTF and kallsyms.
 */
export function resolveExternTargets(plan: ExternPlan, sources: ExternSources): Map<string, ExternTarget> {
  const targets = new Map<string, ExternTarget>();
  plan.externs.forEach((extern, externIndex) => {
    let target: ExternTarget | undefined;
    if (extern.kind === 'kconfig') {
      target = { kind: 'kconfig', offset: extern.offset };
    } else if (extern.kind === 'kfunc') {
      target = resolveKfunc(extern, sources) ?? { kind: 'missing-kfunc', externIndex };
    } else if (extern.typeId !== 0) {
      target = resolveTypedKsym(extern, sources) ?? { kind: 'address', address: 0n };
    } else {
      if (!sources.kallsyms) {
        throw unresolved(
          extern,
          'needs /proc/kallsyms',
          'pass kallsyms: parseKallsyms(readKallsyms()) when plan.needsKallsyms',
        );
      }
      const address = sources.kallsyms.get(extern.name);
      if (address === undefined && !extern.weak) {
        throw unresolved(extern, 'is not in /proc/kallsyms', 'declare it __weak if the kernel may lack it');
      }
      target = { kind: 'address', address: address ?? 0n };
    }
    targets.set(extern.name, target);
  });
  return targets;
}
