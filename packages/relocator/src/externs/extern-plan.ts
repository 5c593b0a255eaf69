import type { Btf, BtfType } from '@bpfkit/btf';
import { RelocationError } from '@bpfkit/core';

/** How a .kconfig extern's bytes are written (libbpf's enum kcfg_type). */
export type KconfigType = 'bool' | 'char' | 'tristate' | 'int' | 'char-array';

interface ExternBase {
  name: string;
  /** STB_WEAK: may stay unresolved (then reads as zero) */
  weak: boolean;
  /** the extern's VAR or FUNC in the object's BTF */
  btfId: number;
}

/** A `__kconfig` variable, placed in the .kconfig map's value. */
export interface KconfigExtern extends ExternBase {
  kind: 'kconfig';
  type: KconfigType;
  size: number;
  align: number;
  signed: boolean;
  /** byte offset in the .kconfig map value */
  offset: number;
}

/** A `__ksym` variable: typed (a vmlinux BTF VAR) or typeless (`void`, an address from kallsyms). */
export interface KsymExtern extends ExternBase {
  kind: 'ksym';
  /** the local type after typedefs and qualifiers; 0 for a typeless ksym */
  typeId: number;
}

/** A `__ksym` function: a kfunc, called with BPF_PSEUDO_KFUNC_CALL. */
export interface KfuncExtern extends ExternBase {
  kind: 'kfunc';
  /** the local FUNC_PROTO */
  protoId: number;
}

export type ExternSpec = KconfigExtern | KsymExtern | KfuncExtern;

/** Every extern of an object, in libbpf's order (kconfig by alignment, size, name; then ksyms by name). */
export interface ExternPlan {
  externs: ExternSpec[];
  /** bytes of the .kconfig map value (0: no kconfig externs, no map) */
  kconfigSize: number;
  /** BTF id of the .kconfig DATASEC, the map's value type */
  kconfigDatasecId?: number;
  /** a CONFIG_* extern needs the kernel config */
  needsKernelConfig: boolean;
  /** a typeless ksym needs /proc/kallsyms */
  needsKallsyms: boolean;
  /** a typed ksym or a kfunc needs the kernel's BTF */
  needsKernelBtf: boolean;
}

/** An undefined symbol of the object: an extern, and whether it is weak. */
export interface ExternSymbol {
  name: string;
  weak: boolean;
}

const KCONFIG = '.kconfig';
const KSYMS = '.ksyms';

/** libbpf's find_kcfg_type: which C types a __kconfig extern may have. */
function kconfigType(btf: Btf, typeId: number): { type: KconfigType; signed: boolean } | undefined {
  const id = btf.skipModsAndTypedefs(typeId);
  if (id === 0) return undefined;
  const t: BtfType = btf.typeById(id);
  switch (t.kind) {
    case 'INT':
      if (t.bool) return t.size === 1 ? { type: 'bool', signed: false } : undefined;
      if (t.size === 1) return { type: 'char', signed: t.signed };
      if (![2, 4, 8].includes(t.size)) return undefined;
      return { type: 'int', signed: t.signed };
    case 'ENUM':
    case 'ENUM64':
      if (t.name !== 'libbpf_tristate' || (t.kind === 'ENUM' && t.size !== 4)) return undefined;
      return { type: 'tristate', signed: false };
    case 'ARRAY':
      if (t.length === 0 || kconfigType(btf, t.type)?.type !== 'char') return undefined;
      return { type: 'char-array', signed: false };
    default:
      return undefined;
  }
}

/** libbpf's btf__align_of for the kinds a kconfig extern can have. */
function alignOf(btf: Btf, typeId: number): number {
  const id = btf.skipModsAndTypedefs(typeId);
  const t = btf.typeById(id);
  if (t.kind === 'ARRAY') return alignOf(btf, t.type);
  return 'size' in t ? Math.min(8, t.size) : 8;
}

/** The extern VARs and FUNCs of the .kconfig and .ksyms DATASECs, by name. */
function externsInBtf(btf: Btf): Map<string, { section: string; id: number; datasec: number }> {
  const found = new Map<string, { section: string; id: number; datasec: number }>();
  for (const section of [KCONFIG, KSYMS]) {
    for (const datasec of btf.findByName(section, 'DATASEC')) {
      const type = btf.typeById(datasec);
      if (type.kind !== 'DATASEC') continue;
      for (const info of type.vars) found.set(btf.typeName(info.type), { section, id: info.type, datasec });
    }
  }
  return found;
}

/**
 * Classifies an object's externs and lays out its .kconfig map, as libbpf's
 * bpf_object__collect_externs: each undefined symbol must have an extern VAR or FUNC in the
 * .kconfig or .ksyms DATASEC of the object's BTF. Kconfig externs must be bool, char, a 1/2/4/8
 * byte integer, enum libbpf_tristate or a char array; they are sorted by descending alignment,
 * then ascending size, then name, and packed in that order. Pure: no kernel is consulted.
 */
export function planExterns(btf: Btf, symbols: readonly ExternSymbol[]): ExternPlan {
  const inBtf = externsInBtf(btf);
  const kconfig: KconfigExtern[] = [];
  const ksyms: (KsymExtern | KfuncExtern)[] = [];
  let kconfigDatasecId: number | undefined;
  for (const symbol of symbols) {
    const entry = inBtf.get(symbol.name);
    const location = { symbol: symbol.name };
    if (!entry) {
      throw new RelocationError(`extern ${symbol.name} has no BTF in a .kconfig or .ksyms section`, {
        location,
        hint: 'declare it with __kconfig or __ksym (from bpf_helpers.h) and build with -g',
      });
    }
    const type = btf.typeById(entry.id);
    if (type.kind !== 'VAR' && type.kind !== 'FUNC') {
      throw new RelocationError(`extern ${symbol.name} is a ${type.kind}, not a variable or function`, {
        location,
      });
    }
    const base = { name: symbol.name, weak: symbol.weak, btfId: entry.id };
    if (entry.section === KCONFIG) {
      kconfigDatasecId = entry.datasec;
      const kind = type.kind === 'VAR' ? kconfigType(btf, type.type) : undefined;
      if (type.kind !== 'VAR' || !kind) {
        throw new RelocationError(
          `extern (kconfig) ${symbol.name} has type ${btf.formatType(type.type)}, which is unsupported`,
          {
            location: { ...location, typeId: entry.id },
            hint: 'use bool, char, an integer of 1, 2, 4 or 8 bytes, enum libbpf_tristate or a char array',
          },
        );
      }
      kconfig.push({
        ...base,
        kind: 'kconfig',
        type: kind.type,
        signed: kind.signed,
        size: btf.resolveSize(type.type),
        align: alignOf(btf, type.type),
        offset: 0,
      });
    } else if (type.kind === 'FUNC') {
      ksyms.push({ ...base, kind: 'kfunc', protoId: type.type });
    } else {
      ksyms.push({ ...base, kind: 'ksym', typeId: btf.skipModsAndTypedefs(type.type) });
    }
  }
  kconfig.sort((a, b) => b.align - a.align || a.size - b.size || compareNames(a.name, b.name));
  ksyms.sort((a, b) => compareNames(a.name, b.name));
  let size = 0;
  for (const extern of kconfig) {
    extern.offset = Math.ceil(size / extern.align) * extern.align;
    size = extern.offset + extern.size;
  }
  const plan: ExternPlan = {
    externs: [...kconfig, ...ksyms],
    kconfigSize: size,
    needsKernelConfig: kconfig.some((e) => e.name.startsWith('CONFIG_')),
    needsKallsyms: ksyms.some((e) => e.kind === 'ksym' && e.typeId === 0),
    needsKernelBtf: ksyms.some((e) => e.kind === 'kfunc' || e.typeId !== 0),
  };
  if (kconfigDatasecId !== undefined) plan.kconfigDatasecId = kconfigDatasecId;
  return plan;
}

/** strcmp order (byte order), not locale order. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
