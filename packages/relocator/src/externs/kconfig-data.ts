import { RelocationError } from '@bpfkit/core';
import type { ExternPlan, KconfigExtern } from './extern-plan.js';
import type { KconfigValue } from './kconfig-values.js';
import { type LinuxFacts, linuxVirtualValues } from './linux-virtuals.js';

/** enum libbpf_tristate */
const TRISTATE = { n: 0, y: 1, m: 2 } as const;

const VIRTUALS = new Set(['LINUX_KERNEL_VERSION', 'LINUX_HAS_BPF_COOKIE', 'LINUX_HAS_SYSCALL_WRAPPER']);

export interface KconfigDataOptions {
  /** values that win over the kernel's config (libbpf's `kconfig` open option), e.g. parseKconfig(text) */
  overrides?: ReadonlyMap<string, KconfigValue>;
  /** facts for the LINUX_* virtual externs; required when the object uses one */
  linux?: LinuxFacts;
  /** byte order of the kernel that reads the map (default little) */
  byteOrder?: 'little' | 'big';
}

function fail(extern: KconfigExtern, message: string, hint?: string): RelocationError {
  return new RelocationError(`extern (kconfig) ${extern.name}: ${message}`, {
    location: { symbol: extern.name, map: '.kconfig', byteOffset: extern.offset },
    ...(hint === undefined ? {} : { hint }),
  });
}

/** libbpf's is_kcfg_value_in_range: fits the extern's width as a signed or unsigned integer. */
function inRange(extern: KconfigExtern, value: bigint): boolean {
  if (extern.size === 8) return true;
  const bits = BigInt(extern.size * 8);
  if (extern.signed) return ((value + (1n << (bits - 1n))) & ((1n << 64n) - 1n)) < 1n << bits;
  return value >> bits === 0n;
}

/** libbpf's set_kcfg_value_num. */
function writeNumber(extern: KconfigExtern, value: bigint, view: DataView, le: boolean): void {
  if (extern.type !== 'int' && extern.type !== 'char' && extern.type !== 'bool') {
    throw fail(extern, `value ${value} implies an integer, char or bool type, not ${extern.type}`);
  }
  if (extern.type === 'bool' && value > 1n) throw fail(extern, `value ${value} is not a boolean`);
  if (extern.type !== 'bool' && !inRange(extern, value)) {
    throw fail(extern, `value ${value} does not fit in ${extern.size} bytes`);
  }
  const at = extern.offset;
  const v = BigInt.asUintN(64, value);
  if (extern.size === 1) view.setUint8(at, Number(v & 0xffn));
  else if (extern.size === 2) view.setUint16(at, Number(v & 0xffffn), le);
  else if (extern.size === 4) view.setUint32(at, Number(v & 0xffffffffn), le);
  else view.setBigUint64(at, v, le);
}

/** Writes one value as libbpf's set_kcfg_value_tri / _str / _num do for the extern's type. */
function writeValue(
  extern: KconfigExtern,
  value: KconfigValue,
  bytes: Uint8Array,
  view: DataView,
  le: boolean,
): void {
  switch (value.kind) {
    case 'tristate':
      if (extern.type === 'bool') {
        if (value.value === 'm') throw fail(extern, "value 'm' implies a tristate or char type, not bool");
        bytes[extern.offset] = value.value === 'y' ? 1 : 0;
      } else if (extern.type === 'tristate') {
        view.setUint32(extern.offset, TRISTATE[value.value], le);
      } else if (extern.type === 'char') {
        bytes[extern.offset] = value.value.charCodeAt(0);
      } else {
        throw fail(
          extern,
          `value '${value.value}' implies a bool, tristate or char type, not ${extern.type}`,
        );
      }
      return;
    case 'string': {
      if (extern.type !== 'char-array')
        throw fail(extern, `a string value implies a char array, not ${extern.type}`);
      // Truncated to leave room for the NUL, as libbpf does (with a warning there).
      const encoded = new TextEncoder().encode(value.value).subarray(0, extern.size - 1);
      bytes.set(encoded, extern.offset);
      bytes[extern.offset + encoded.length] = 0;
      return;
    }
    case 'number':
      writeNumber(extern, value.value, view, le);
      return;
    case 'invalid':
      throw fail(extern, `value '${value.text}' is not y/n/m, a quoted string or an integer`);
  }
}

/**
 * The initial value of the .kconfig map: every kconfig extern of `plan` written at its offset
 * the way libbpf's bpf_object__resolve_externs does. LINUX_KERNEL_VERSION, LINUX_HAS_BPF_COOKIE
 * and LINUX_HAS_SYSCALL_WRAPPER come from `options.linux`; CONFIG_* from `options.overrides`,
 * then `values` (the kernel's config, parseKconfig(readKernelConfig())). A weak extern that is
 * not set stays zero; a strong one, or any other name, is a RelocationError.
 */
export function buildKconfigData(
  plan: ExternPlan,
  values: ReadonlyMap<string, KconfigValue>,
  options: KconfigDataOptions = {},
): Uint8Array {
  const bytes = new Uint8Array(plan.kconfigSize);
  const view = new DataView(bytes.buffer);
  const le = (options.byteOrder ?? 'little') === 'little';
  let virtuals: Map<string, KconfigValue> | undefined;
  for (const extern of plan.externs) {
    if (extern.kind !== 'kconfig') continue;
    let value: KconfigValue | undefined;
    if (extern.name.startsWith('CONFIG_')) {
      value = options.overrides?.get(extern.name) ?? values.get(extern.name);
    } else if (VIRTUALS.has(extern.name)) {
      if (!options.linux) {
        throw fail(
          extern,
          'needs facts about the running kernel',
          'pass options.linux (kernel release, probes)',
        );
      }
      virtuals ??= linuxVirtualValues(options.linux);
      value = virtuals.get(extern.name);
    } else if (!extern.name.startsWith('LINUX_') || !extern.weak) {
      throw fail(
        extern,
        'is neither a CONFIG_ option nor a LINUX_ value libbpf knows',
        'only CONFIG_* and LINUX_* kconfig externs exist',
      );
    }
    if (value === undefined) {
      if (extern.weak) continue;
      throw fail(
        extern,
        'is not set in the kernel config',
        'declare it __weak to read it as zero when the option is off',
      );
    }
    writeValue(extern, value, bytes, view, le);
  }
  return bytes;
}
