import type { BtfKind, BtfLinkage } from './constants.js';

/**
 * A decoded BTF type: plain data, one interface per kind, discriminated by `kind`. Type ids
 * referenced by fields (`type`, `returnType`, ...) are numbers; 0 is void. A Btf decodes these on
 * demand; a BtfBuilder takes them (without `id`) to write new BTF.
 */
export type BtfType =
  | BtfInt
  | BtfPtr
  | BtfArray
  | BtfStruct
  | BtfEnum
  | BtfEnum64
  | BtfFwd
  | BtfModifier
  | BtfFunc
  | BtfFuncProto
  | BtfVar
  | BtfDatasec
  | BtfFloat
  | BtfDeclTag;

/** A type without its id: what BtfBuilder.add takes. */
export type BtfTypeDef = BtfType extends infer T ? (T extends BtfType ? Omit<T, 'id'> : never) : never;

interface Common {
  /** type id (>= 1) */
  id: number;
  /** '' for anonymous types */
  name: string;
}

/** BTF_KIND_INT; `bitOffset`/`bits` are the INT's own bit layout (legacy bitfields), usually 0/size*8. */
export interface BtfInt extends Common {
  kind: 'INT';
  size: number;
  signed: boolean;
  char: boolean;
  bool: boolean;
  bitOffset: number;
  bits: number;
}

export interface BtfPtr extends Common {
  kind: 'PTR';
  type: number;
}

/** struct btf_array: element type, index type, element count */
export interface BtfArray extends Common {
  kind: 'ARRAY';
  type: number;
  indexType: number;
  length: number;
}

/** struct btf_member, with the kind_flag encoding already split. */
export interface BtfMember {
  /** '' for an anonymous struct/union member */
  name: string;
  type: number;
  /** offset from the start of the enclosing struct, in bits */
  bitOffset: number;
  /** width of a bitfield member in bits, 0 when the member is not a bitfield */
  bitfieldSize: number;
}

export interface BtfStruct extends Common {
  kind: 'STRUCT' | 'UNION';
  size: number;
  /**
   * kind_flag: member offsets carry the bitfield size in their top 8 bits. The builder sets it
   * anyway when a member has a bitfieldSize.
   */
  bitfieldOffsets: boolean;
  members: BtfMember[];
}

export interface BtfEnum extends Common {
  kind: 'ENUM';
  size: number;
  /** kind_flag: values are signed */
  signed: boolean;
  values: { name: string; value: number }[];
}

export interface BtfEnum64 extends Common {
  kind: 'ENUM64';
  size: number;
  signed: boolean;
  values: { name: string; value: bigint }[];
}

/** A forward declaration; kind_flag says struct (0) or union (1). */
export interface BtfFwd extends Common {
  kind: 'FWD';
  fwdKind: 'struct' | 'union';
}

/** TYPEDEF and the qualifiers: a name (typedef only) and the type they wrap. */
export interface BtfModifier extends Common {
  kind: 'TYPEDEF' | 'VOLATILE' | 'CONST' | 'RESTRICT' | 'TYPE_TAG';
  type: number;
  /** TYPE_TAG kind_flag: the tag is a plain __attribute__ rather than btf_type_tag */
  attribute?: boolean;
}

/** A function; `type` is its FUNC_PROTO, linkage sits in vlen. */
export interface BtfFunc extends Common {
  kind: 'FUNC';
  type: number;
  linkage: BtfLinkage;
}

export interface BtfParam {
  name: string;
  /** 0 with an empty name in the last position marks a variadic function */
  type: number;
}

export interface BtfFuncProto extends Common {
  kind: 'FUNC_PROTO';
  returnType: number;
  params: BtfParam[];
}

/** A global variable; linkage static (0), global (1) or extern (2). */
export interface BtfVar extends Common {
  kind: 'VAR';
  type: number;
  linkage: BtfLinkage;
}

/** struct btf_var_secinfo */
export interface BtfVarSecinfo {
  type: number;
  /** byte offset of the variable inside its section */
  offset: number;
  size: number;
}

export interface BtfDatasec extends Common {
  kind: 'DATASEC';
  size: number;
  vars: BtfVarSecinfo[];
}

export interface BtfFloat extends Common {
  kind: 'FLOAT';
  size: number;
}

/** A btf_decl_tag on a type (componentIdx -1) or on a member/parameter (its index). */
export interface BtfDeclTag extends Common {
  kind: 'DECL_TAG';
  type: number;
  componentIdx: number;
  /** kind_flag: the tag is a plain __attribute__ rather than btf_decl_tag */
  attribute?: boolean;
}

export type { BtfKind, BtfLinkage };
