import type { Btf, BtfKind, BtfStruct, BtfType } from '@bpfkit/btf';

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
