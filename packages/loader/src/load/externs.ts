import { release } from 'node:os';
import { type Btf, loadKernelBtf } from '@bpfkit/btf';
import type { MapSpec, ObjectSpec } from '@bpfkit/core';
import { internalMapKernelName } from '@bpfkit/maps-btf';
import {
  buildKconfigData,
  type ExternPlan,
  type ExternTarget,
  hasSyscallWrapper,
  kconfigMapSpec,
  layoutExternDatasecs,
  parseKallsyms,
  parseKconfig,
  parseKconfigValue,
  planExterns,
  readKallsyms,
  readKernelConfig,
  resolveExternTargets,
} from '@bpfkit/relocator';
import type { KernelFeatures } from './kernel-features.js';

/** What the load needs to resolve an object's externs on the running kernel. */
export interface PreparedExterns {
  plan: ExternPlan;
  /** the object BTF with extern DATASECs laid out as the kernel accepts them (libbpf does the same) */
  btf: Btf;
  targets: Map<string, ExternTarget>;
  /** the .kconfig map, when the object reads CONFIG_* or LINUX_* values */
  kconfigMap?: MapSpec;
}

export interface ExternOptions {
  /** CONFIG_* values that win over the running kernel's config ("y", "m", "n", numbers, strings) */
  kconfig?: Record<string, string>;
  /** the kernel BTF externs and CO-RE resolve against (default /sys/kernel/btf/vmlinux) */
  kernelBtf?: () => Btf;
}

/**
 * Plans and resolves the externs of an object against the running kernel, reading only what the
 * plan needs: the kernel config, /proc/kallsyms, the kernel's BTF (libbpf's
 * bpf_object__resolve_externs).
 */
export function prepareExterns(
  spec: ObjectSpec,
  btf: Btf | undefined,
  features: KernelFeatures,
  options: ExternOptions,
): PreparedExterns | undefined {
  if (!spec.externs?.length || !btf) return undefined;
  const plan = planExterns(btf, spec.externs);
  const kernelBtf = plan.needsKernelBtf ? (options.kernelBtf ?? (() => loadKernelBtf()))() : undefined;
  const kallsymsNeeded =
    plan.needsKallsyms || plan.externs.some((e) => e.name === 'LINUX_HAS_SYSCALL_WRAPPER');
  const kallsyms = kallsymsNeeded ? parseKallsyms(readKallsyms()) : undefined;
  const targets = resolveExternTargets(plan, {
    localBtf: btf,
    ...(kernelBtf ? { kernelBtf } : {}),
    ...(kallsyms ? { kallsyms } : {}),
  });
  const prepared: PreparedExterns = { plan, btf: layoutExternDatasecs(btf, plan), targets };
  if (plan.kconfigSize > 0) {
    const values = plan.needsKernelConfig ? parseKconfig(readKernelConfig()) : new Map();
    const data = buildKconfigData(plan, values, {
      ...(options.kconfig
        ? { overrides: new Map(Object.entries(options.kconfig).map(([k, v]) => [k, parseKconfigValue(v)])) }
        : {}),
      linux: {
        kernelRelease: release(),
        hasBpfCookie: features.bpfCookie,
        hasSyscallWrapper: kallsyms ? hasSyscallWrapper(kallsyms) : false,
      },
    });
    const map = kconfigMapSpec(plan, data);
    if (map) {
      // The laid-out .kconfig DATASEC (loaded with the object BTF) is the value type, as in libbpf.
      const typed =
        plan.kconfigDatasecId === undefined ? {} : { btfKeyTypeId: 0, btfValueTypeId: plan.kconfigDatasecId };
      prepared.kconfigMap = { ...map, ...typed, kernelName: internalMapKernelName(spec.name, '.kconfig') };
    }
  }
  return prepared;
}
