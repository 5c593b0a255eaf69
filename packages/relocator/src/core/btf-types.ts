import { type Btf, type BtfKind, BtfKindNumber, type BtfStruct, type BtfType } from '@bpfkit/btf';

const decoded = new WeakMap<Btf, Map<number, BtfType>>();

/**
 * A decoded type, kept per Btf: relocations of one object look at the same few structs (each
 * task_struct decode is ~200 members) many times. Callers must not modify what they get.
 */
export function typeOf(btf: Btf, id: number): BtfType {
  let cache = decoded.get(btf);
  if (!cache) {
    cache = new Map();
    decoded.set(btf, cache);
  }
  let type = cache.get(id);
  if (!type) {
    type = btf.typeById(id);
    cache.set(id, type);
  }
  return type;
}

/** libbpf's skip_mods_and_typedefs: the id after typedefs and qualifiers (0 for void). */
export function skipMods(btf: Btf, id: number): number {
  return btf.skipModsAndTypedefs(id);
}

/** Kind of a type id, 'VOID' for 0. */
export function kindOf(btf: Btf, id: number): BtfKind | 'VOID' {
  return btf.kindOf(id);
}

export function isComposite(type: BtfType | undefined): type is BtfStruct {
  return type?.kind === 'STRUCT' || type?.kind === 'UNION';
}

export function isAnyEnum(type: BtfType | undefined): boolean {
  return type?.kind === 'ENUM' || type?.kind === 'ENUM64';
}

/** The type after typedefs and qualifiers, undefined for void. */
export function resolvedType(btf: Btf, id: number): { id: number; type: BtfType | undefined } {
  const skipped = skipMods(btf, id);
  return { id: skipped, type: skipped === 0 ? undefined : typeOf(btf, skipped) };
}

/** Where a struct/union's btf_member records lie, and whether offsets carry bitfield sizes (kind_flag). */
export interface RawMembers {
  words: Uint32Array;
  start: number;
  count: number;
  bitfields: boolean;
}

/** A raw member's bit offset and bitfield size from its offset word (kind_flag splits it). */
export function memberBitOffset(members: RawMembers, index: number): number {
  const offset = members.words[members.start + 3 * index + 2]!;
  return members.bitfields ? offset & 0xffffff : offset;
}

export function memberBitfieldSize(members: RawMembers, index: number): number {
  return members.bitfields ? members.words[members.start + 3 * index + 2]! >>> 24 : 0;
}

export function memberType(members: RawMembers, index: number): number {
  return members.words[members.start + 3 * index + 1]!;
}

/** A raw member's name ('' when anonymous). */
export function memberName(btf: Btf, members: RawMembers, index: number): string {
  return btf.name(members.words[members.start + 3 * index]!);
}

/** Whether a type id (after typedefs and qualifiers) is a struct or union, without decoding it. */
export function isCompositeId(btf: Btf, id: number): boolean {
  const kind = btf.kindNumberOf(id);
  return kind === BtfKindNumber.STRUCT || kind === BtfKindNumber.UNION;
}

/**
 * The members of composite `id` (already resolved) as raw words: member i's btf_member is words
 * [start + 3 * i .. +2]. Target structs are walked this way so finding one member by name in
 * task_struct reads ~250 name offsets instead of decoding ~250 names. A member type past the last
 * type exists only in unvalidated BTF: decoding the struct throws the decoder's error for it.
 */
export function rawMembers(btf: Btf, id: number): RawMembers {
  const holder = btf.typeHolder(id);
  const pos = holder.typeWordIndex(id);
  const { words } = holder;
  const info = words[pos + 1]!;
  const count = info & 0xffff;
  const start = pos + 3;
  for (let i = 0; i < count; i++) {
    if (words[start + 3 * i + 1]! > holder.typeCount) typeOf(btf, id);
  }
  return { words, start, count, bitfields: info >>> 31 === 1 };
}
