import type { Btf } from '@bpfkit/btf';

/** A type id in the BTF of one input object. */
export interface TypeRef {
  btf: Btf;
  id: number;
}

const NAMED = new Set(['STRUCT', 'UNION', 'ENUM', 'ENUM64', 'FWD', 'FUNC', 'VAR']);

/**
 * Whether two declarations of one global symbol agree, as libbpf's glob_sym_btf_matches decides:
 * modifiers and typedefs are looked through, kinds and names of named types must be equal, ints
 * and enums only compare sizes, a pointer compares its target's shape only (a FWD matches a struct
 * of the same name), arrays ignore their length, FUNC_PROTOs compare parameter count, parameter
 * types and return type, and structs compare members (name, offset, type) when `exact`.
 * Returns undefined when they match, else why not.
 */
export function typeMismatch(a: TypeRef, b: TypeRef, exact = true): string | undefined {
  let left = a.btf.skipModsAndTypedefs(a.id);
  let right = b.btf.skipModsAndTypedefs(b.id);
  let strict = exact;
  // A loop instead of recursion for the chains (PTR, ARRAY, FUNC, VAR, return types).
  for (;;) {
    const kindA = a.btf.kindOf(left);
    const kindB = b.btf.kindOf(right);
    if (!strict && (kindA === 'FWD') !== (kindB === 'FWD')) {
      const nameA = a.btf.typeName(left);
      const nameB = b.btf.typeName(right);
      if (nameA !== nameB) return `names differ: '${nameA}' and '${nameB}'`;
      const fwd = kindA === 'FWD' ? a.btf.typeById(left) : b.btf.typeById(right);
      const other = kindA === 'FWD' ? kindB : kindA;
      if (fwd.kind === 'FWD' && fwd.fwdKind.toUpperCase() === other) return undefined;
      return `'${nameA}' is a ${kindA} in one and a ${kindB} in the other`;
    }
    if (kindA !== kindB) return `kinds differ: ${kindA} and ${kindB}`;
    if (kindA === 'VOID') return undefined;
    if (NAMED.has(kindA) && a.btf.typeName(left) !== b.btf.typeName(right)) {
      return `names differ: '${a.btf.typeName(left)}' and '${b.btf.typeName(right)}'`;
    }
    if (kindA === 'FWD') return undefined;
    const typeA = a.btf.typeById(left);
    const typeB = b.btf.typeById(right);
    let next: [number, number];
    switch (typeA.kind) {
      case 'INT':
      case 'FLOAT':
      case 'ENUM':
      case 'ENUM64': {
        const sizeB = (typeB as { size: number }).size;
        return typeA.size === sizeB ? undefined : `sizes differ: ${typeA.size} and ${sizeB} bytes`;
      }
      case 'PTR':
        strict = false;
        next = [typeA.type, (typeB as typeof typeA).type];
        break;
      case 'ARRAY':
        next = [typeA.type, (typeB as typeof typeA).type];
        break;
      case 'FUNC':
      case 'VAR': {
        const other = typeB as typeof typeA;
        // extern and global linkage agree; static differs from both
        if ((typeA.linkage === 'static') !== (other.linkage === 'static')) {
          return `linkage differs: ${typeA.linkage} and ${other.linkage}`;
        }
        next = [typeA.type, other.type];
        break;
      }
      case 'STRUCT':
      case 'UNION': {
        if (!strict) return undefined;
        const other = typeB as typeof typeA;
        if (typeA.members.length !== other.members.length) {
          return `'${typeA.name || '(anon)'}' has ${typeA.members.length} members in one and ${other.members.length} in the other`;
        }
        for (let i = 0; i < typeA.members.length; i++) {
          const m = typeA.members[i]!;
          const n = other.members[i]!;
          if (m.name !== n.name) return `member ${i} is '${m.name}' in one and '${n.name}' in the other`;
          if (m.bitOffset !== n.bitOffset) return `member '${m.name}' sits at different offsets`;
          const inner = typeMismatch({ btf: a.btf, id: m.type }, { btf: b.btf, id: n.type }, strict);
          if (inner) return `member '${m.name}': ${inner}`;
        }
        return undefined;
      }
      case 'FUNC_PROTO': {
        const other = typeB as typeof typeA;
        if (typeA.params.length !== other.params.length) {
          return `incompatible number of parameters: ${typeA.params.length} and ${other.params.length}`;
        }
        for (let i = 0; i < typeA.params.length; i++) {
          const inner = typeMismatch(
            { btf: a.btf, id: typeA.params[i]!.type },
            { btf: b.btf, id: other.params[i]!.type },
            strict,
          );
          if (inner) return `parameter ${i + 1}: ${inner}`;
        }
        next = [typeA.returnType, other.returnType];
        break;
      }
      default:
        return `${typeA.kind} cannot be compared`;
    }
    left = a.btf.skipModsAndTypedefs(next[0]);
    right = b.btf.skipModsAndTypedefs(next[1]);
  }
}

/**
 * Whether two BTF map definitions (the VAR types of two `.maps` declarations) agree, as libbpf's
 * glob_map_defs_match does: the same attributes, by name and in any order, with equal numbers for
 * `__uint` ones and matching types for `__type` ones.
 */
export function mapDefinitionMismatch(a: TypeRef, b: TypeRef): string | undefined {
  const defA = mapAttributes(a);
  const defB = mapAttributes(b);
  if (typeof defA === 'string') return defA;
  if (typeof defB === 'string') return defB;
  const names = new Set([...defA.keys(), ...defB.keys()]);
  for (const name of names) {
    const x = defA.get(name);
    const y = defB.get(name);
    if (x === undefined || y === undefined) return `map attribute '${name}' is set in only one definition`;
    if (x.number !== undefined || y.number !== undefined) {
      if (x.number !== y.number)
        return `map attribute '${name}' is ${x.number} in one and ${y.number} in the other`;
      continue;
    }
    const inner = typeMismatch({ btf: a.btf, id: x.type! }, { btf: b.btf, id: y.type! }, true);
    if (inner) return `map attribute '${name}': ${inner}`;
  }
  return undefined;
}

/** name -> the `__uint(name, N)` number (a pointer to int[N]) or the `__type(name, T)` pointee. */
function mapAttributes(ref: TypeRef): Map<string, { number?: number; type?: number }> | string {
  const id = ref.btf.skipModsAndTypedefs(ref.id);
  const type = ref.btf.typeById(id);
  if (type.kind !== 'STRUCT') return `a .maps variable has type ${type.kind}, not a struct`;
  const attributes = new Map<string, { number?: number; type?: number }>();
  for (const member of type.members) {
    const memberType = ref.btf.typeById(ref.btf.skipModsAndTypedefs(member.type));
    if (memberType.kind !== 'PTR') {
      attributes.set(member.name, { type: member.type });
      continue;
    }
    const target = ref.btf.typeById(ref.btf.skipModsAndTypedefs(memberType.type));
    if (target.kind === 'ARRAY' && member.name !== 'key' && member.name !== 'value') {
      attributes.set(member.name, { number: target.length });
    } else {
      attributes.set(member.name, { type: memberType.type });
    }
  }
  return attributes;
}
