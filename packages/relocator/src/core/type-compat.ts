import type { Btf, BtfArray, BtfKind, BtfType } from '@bpfkit/btf';
import { RelocationError } from '@bpfkit/core';
import { resolvedType, typeOf } from './btf-types.js';
import { essentialNamesEqual } from './essential-name.js';
import { kindsCoreCompatible } from './target-index.js';

/** libbpf's recursion limit for both compatibility walks. */
const MAX_DEPTH = 32;

function tooDeep(localId: number, targetId: number): RelocationError {
  return new RelocationError(
    `type compatibility check of local type ${localId} and target type ${targetId} nests too deep`,
    {
      location: { typeId: localId },
      hint: 'the BTF probably has a reference loop',
    },
  );
}

const kindOfType = (type: BtfType | undefined) => type?.kind ?? 'VOID';

const isCompositeKind = (kind: BtfKind | 'VOID') => kind === 'STRUCT' || kind === 'UNION';

/** INT with a non-zero bit offset: the deprecated bitfield-like encoding CO-RE refuses. */
const plainInt = (type: BtfType) => type.kind !== 'INT' || type.bitOffset === 0;

/**
 * libbpf's bpf_core_types_are_compat, used for TYPE_EXISTS/TYPE_SIZE/TYPE_ID_TARGET candidates and
 * typed ksyms: after typedefs and qualifiers, kinds must agree (ENUM with ENUM64); structs,
 * unions, enums and fwds are compatible whatever their members; ints unless bitfield-like;
 * pointers and arrays recurse into what they point to or hold; function prototypes need the same
 * number of parameters, each compatible, and a compatible return type.
 */
export function typesAreCompatible(
  localBtf: Btf,
  localId: number,
  targetBtf: Btf,
  targetId: number,
  level = MAX_DEPTH,
): boolean {
  if (!kindsCoreCompatible(localBtf.kindOf(localId), targetBtf.kindOf(targetId))) return false;
  for (let depth = MAX_DEPTH; depth > 0; depth--) {
    const local = resolvedType(localBtf, localId);
    const target = resolvedType(targetBtf, targetId);
    const l = local.type;
    const t = target.type;
    if (!kindsCoreCompatible(kindOfType(l), kindOfType(t))) return false;
    if (!l || !t) return true; // void and void
    switch (l.kind) {
      case 'STRUCT':
      case 'UNION':
      case 'ENUM':
      case 'ENUM64':
      case 'FWD':
        return true;
      case 'INT':
        return plainInt(l) && plainInt(t);
      case 'PTR':
        localId = l.type;
        targetId = (t as typeof l).type;
        continue;
      case 'ARRAY':
        localId = l.type;
        targetId = (t as typeof l).type;
        continue;
      case 'FUNC_PROTO': {
        const tp = t as typeof l;
        if (l.params.length !== tp.params.length) return false;
        for (let i = 0; i < l.params.length; i++) {
          if (level <= 0) throw tooDeep(localId, targetId);
          const ok = typesAreCompatible(
            localBtf,
            localBtf.skipModsAndTypedefs(l.params[i]!.type),
            targetBtf,
            targetBtf.skipModsAndTypedefs(tp.params[i]!.type),
            level - 1,
          );
          if (!ok) return false;
        }
        localId = l.returnType;
        targetId = tp.returnType;
        continue;
      }
      default:
        return false;
    }
  }
  throw tooDeep(localId, targetId);
}

/**
 * libbpf's bpf_core_fields_are_compat: whether a local member's type may be relocated to a
 * target member's. Any two structs/unions are compatible; fwds and enums need equal essential
 * names unless one is anonymous; ints are compatible whatever their size and sign (the load
 * size is adjusted later); pointers and floats always; arrays by element type.
 */
export function fieldsAreCompatible(
  localBtf: Btf,
  localId: number,
  targetBtf: Btf,
  targetId: number,
): boolean {
  for (let depth = MAX_DEPTH; depth > 0; depth--) {
    const lid = localBtf.skipModsAndTypedefs(localId);
    const tid = targetBtf.skipModsAndTypedefs(targetId);
    // kinds and names first: a struct- or enum-typed field would otherwise be decoded whole
    const localKind = localBtf.kindOf(lid);
    const targetKind = targetBtf.kindOf(tid);
    if (isCompositeKind(localKind) && isCompositeKind(targetKind)) return true;
    if (!kindsCoreCompatible(localKind, targetKind)) return false;
    if (lid === 0 || tid === 0) return false;
    switch (localKind) {
      case 'PTR':
      case 'FLOAT':
        return true;
      case 'FWD':
      case 'ENUM':
      case 'ENUM64': {
        const l = localBtf.typeName(lid);
        const t = targetBtf.typeName(tid);
        return l === '' || t === '' || essentialNamesEqual(l, t);
      }
      case 'INT':
        return plainInt(typeOf(localBtf, lid)) && plainInt(typeOf(targetBtf, tid));
      case 'ARRAY':
        localId = (typeOf(localBtf, lid) as BtfArray).type;
        targetId = (typeOf(targetBtf, tid) as BtfArray).type;
        continue;
      default:
        return false;
    }
  }
  throw tooDeep(localId, targetId);
}
