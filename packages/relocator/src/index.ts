export { essentialName, essentialNameLength } from './core/essential-name.js';
export { CORE_POISON_HELPER } from './core/patch-instruction.js';
export { describePoisonedRelocation, findPoisonedRelocation } from './core/poisoned-relocation.js';
export { coreReloKindName } from './core/relo-kind.js';
export { type CoreRelocationResult, type RelocateCoreOptions, relocateCore } from './core/relocate-core.js';
export { buildTargetIndex, type TargetIndex } from './core/target-index.js';
export {
  encodeFuncInfo,
  encodeLineInfo,
  FUNC_INFO_SIZE,
  LINE_INFO_SIZE,
  lineInfoAt,
} from './debug-info-records.js';
export { layoutExternDatasecs } from './externs/extern-datasecs.js';
export {
  type ExternPlan,
  type ExternSpec,
  type ExternSymbol,
  type KconfigExtern,
  type KconfigType,
  type KfuncExtern,
  type KsymExtern,
  planExterns,
} from './externs/extern-plan.js';
export { type ExternSources, type ExternTarget, resolveExternTargets } from './externs/extern-targets.js';
export { parseKallsyms } from './externs/kallsyms.js';
export { buildKconfigData, type KconfigDataOptions } from './externs/kconfig-data.js';
export { kconfigMapSpec } from './externs/kconfig-map.js';
export { type KconfigValue, parseKconfig, parseKconfigValue } from './externs/kconfig-values.js';
export { readKallsyms, readKernelConfig } from './externs/kernel-config-file.js';
export {
  hasSyscallWrapper,
  kernelVersionCode,
  type LinuxFacts,
  linuxVirtualValues,
} from './externs/linux-virtuals.js';
export { KFUNC_POISON_BASE, type ResolveExternsOptions, resolveExterns } from './externs/resolve-externs.js';
export { type LinkedProgram, linkProgram } from './link-program.js';
export { type MapFdLookup, resolveMapRelocations } from './resolve-maps.js';
