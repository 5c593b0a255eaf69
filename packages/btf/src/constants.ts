/** Numbers of the BTF format, as <linux/btf.h> defines them. */

export const BTF_MAGIC = 0xeb9f;
export const BTF_VERSION = 1;
/** sizeof(struct btf_header) */
export const BTF_HEADER_SIZE = 24;
/** sizeof(struct btf_type): name_off, info, size/type */
export const BTF_TYPE_SIZE = 12;
/** libbpf's MAX_RESOLVE_DEPTH: longest typedef/modifier/array chain followed before giving up */
export const MAX_RESOLVE_DEPTH = 32;
/** BPF targets are 64-bit: every pointer is 8 bytes. */
export const POINTER_SIZE = 8;

/** BTF_KIND_* in info bits 24..28 */
export const BtfKindNumber = {
  UNKN: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

/** Kind names, spelled as the kernel's btf_kind_str and bpftool print them. */
export type BtfKind = Exclude<keyof typeof BtfKindNumber, 'UNKN'>;

export const KIND_NAMES: readonly (BtfKind | undefined)[] = (() => {
  const names: (BtfKind | undefined)[] = [];
  for (const [name, value] of Object.entries(BtfKindNumber)) {
    if (value !== 0) names[value] = name as BtfKind;
  }
  return names;
})();

export const MAX_KIND = BtfKindNumber.ENUM64;

/** BTF_INT_ENCODING bits of an INT's extra u32 */
export const BTF_INT_SIGNED = 1;
export const BTF_INT_CHAR = 2;
export const BTF_INT_BOOL = 4;

/** btf_func_linkage (FUNC vlen) and btf_var linkage share the same three values. */
export const LINKAGE_NAMES = ['static', 'global', 'extern'] as const;
export type BtfLinkage = (typeof LINKAGE_NAMES)[number];

/** Bytes each vlen record takes after the 12-byte common part, and the fixed extra data per kind. */
export function extraBytes(kind: number, vlen: number): number {
  switch (kind) {
    case BtfKindNumber.INT:
    case BtfKindNumber.VAR:
    case BtfKindNumber.DECL_TAG:
      return 4;
    case BtfKindNumber.ARRAY:
      return 12;
    case BtfKindNumber.STRUCT:
    case BtfKindNumber.UNION:
    case BtfKindNumber.DATASEC:
    case BtfKindNumber.ENUM64:
      return 12 * vlen;
    case BtfKindNumber.ENUM:
    case BtfKindNumber.FUNC_PROTO:
      return 8 * vlen;
    default:
      return 0;
  }
}
