// bpftool as an oracle: its JSON dump of the same BTF, and our types spelled the same way.
import { execFileSync } from 'node:child_process';
import type { BtfType } from '../types.js';

export function bpftoolAvailable(): boolean {
  try {
    execFileSync('bpftool', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function bpftoolDump(path: string): Record<string, unknown>[] {
  const out = execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', path], { maxBuffer: 1 << 30 });
  return (JSON.parse(out.toString()) as { types: Record<string, unknown>[] }).types;
}

const anon = (name: string) => name || '(anon)';

/**
 * bpftool 7.1's JSON prints an unsigned 32-bit enumerator with its top bit set sign-extended to
 * 64 bits (4026531839 becomes 18446744073441116159); its plain-text dump does not.
 */
function bpftoolEnumValue(kind: 'ENUM' | 'ENUM64', signed: boolean, value: number | bigint): number {
  if (kind === 'ENUM' && !signed && Number(value) >= 2 ** 31) {
    return Number(BigInt.asUintN(64, BigInt(Number(value) | 0)));
  }
  return Number(value);
}

/** Our decoded type in the field names and conventions of `bpftool -j btf dump`. */
export function asBpftool(t: BtfType): Record<string, unknown> {
  const base = { id: t.id, kind: t.kind, name: anon(t.name) };
  switch (t.kind) {
    case 'INT':
      return {
        ...base,
        size: t.size,
        bits_offset: t.bitOffset,
        nr_bits: t.bits,
        encoding: t.bool ? 'BOOL' : t.char ? 'CHAR' : t.signed ? 'SIGNED' : '(none)',
      };
    case 'PTR':
    case 'TYPEDEF':
    case 'VOLATILE':
    case 'CONST':
    case 'RESTRICT':
    case 'TYPE_TAG':
      return { ...base, type_id: t.type };
    case 'ARRAY':
      return { ...base, type_id: t.type, index_type_id: t.indexType, nr_elems: t.length };
    case 'STRUCT':
    case 'UNION':
      return {
        ...base,
        size: t.size,
        vlen: t.members.length,
        members: t.members.map((m) => ({
          name: anon(m.name),
          type_id: m.type,
          bits_offset: m.bitOffset,
          ...(m.bitfieldSize ? { bitfield_size: m.bitfieldSize } : {}),
        })),
      };
    case 'ENUM':
    case 'ENUM64':
      return {
        ...base,
        encoding: t.signed ? 'SIGNED' : 'UNSIGNED',
        size: t.size,
        vlen: t.values.length,
        values: t.values.map((v) => ({ name: v.name, val: bpftoolEnumValue(t.kind, t.signed, v.value) })),
      };
    case 'FWD':
      return { ...base, fwd_kind: t.fwdKind };
    case 'FUNC':
      return { ...base, type_id: t.type, linkage: t.linkage };
    case 'FUNC_PROTO':
      return {
        ...base,
        ret_type_id: t.returnType,
        vlen: t.params.length,
        params: t.params.map((p) => ({ name: anon(p.name), type_id: p.type })),
      };
    case 'VAR':
      return { ...base, type_id: t.type, linkage: t.linkage === 'extern' ? 'extern' : t.linkage };
    case 'DATASEC':
      return {
        ...base,
        size: t.size,
        vlen: t.vars.length,
        vars: t.vars.map((v) => ({ type_id: v.type, offset: v.offset, size: v.size })),
      };
    case 'FLOAT':
      return { ...base, size: t.size };
    case 'DECL_TAG':
      return { ...base, type_id: t.type, component_idx: t.componentIdx };
  }
}
