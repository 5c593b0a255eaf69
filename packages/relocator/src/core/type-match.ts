import type { Btf, BtfEnum, BtfEnum64, BtfStruct } from '@bpfkit/btf';
import { RelocationError } from '@bpfkit/core';
import { resolvedType } from './btf-types.js';
import { essentialNamesEqual } from './essential-name.js';

const MAX_DEPTH = 32;

/** libbpf's bpf_core_names_match: an anonymous target matches only an anonymous local. */
function namesMatch(local: string, target: string): boolean {
  if (target === '') return local === '';
  return essentialNamesEqual(local, target);
}

function enumsMatch(local: BtfEnum | BtfEnum64, target: BtfEnum | BtfEnum64): boolean {
  if (local.size !== target.size || local.values.length > target.values.length) return false;
  return local.values.every((l) => target.values.some((t) => namesMatch(l.name, t.name)));
}

function compositesMatch(
  localBtf: Btf,
  local: BtfStruct,
  targetBtf: Btf,
  target: BtfStruct,
  behindPointer: boolean,
  level: number,
): boolean {
  if (local.members.length > target.members.length) return false;
  return local.members.every((l) =>
    target.members.some(
      (t) =>
        namesMatch(l.name, t.name) &&
        typesMatchAt(localBtf, l.type, targetBtf, t.type, behindPointer, level - 1),
    ),
  );
}

/**
 * libbpf's bpf_core_types_match (TYPE_MATCHES, bpf_core_type_matches()): stricter than
 * compatibility. After typedefs and qualifiers, names must match (modulo flavor); ints need the
 * same size and sign; enums the same size and every local enumerator name in the target;
 * structs/unions every local member (by name) matching in the target, except behind a pointer
 * where a struct also matches a fwd of the same kind; arrays the same length; function
 * prototypes the same parameters. The caller has matched the root names.
 */
export function typesMatch(localBtf: Btf, localId: number, targetBtf: Btf, targetId: number): boolean {
  return typesMatchAt(localBtf, localId, targetBtf, targetId, false, MAX_DEPTH);
}

function typesMatchAt(
  localBtf: Btf,
  localId: number,
  targetBtf: Btf,
  targetId: number,
  behindPointer: boolean,
  level: number,
): boolean {
  if (level <= 0) throw tooDeep(localId);
  for (let depth = MAX_DEPTH; depth > 0; depth--) {
    const l = resolvedType(localBtf, localId).type;
    const t = resolvedType(targetBtf, targetId).type;
    if (!namesMatch(l?.name ?? '', t?.name ?? '')) return false;
    if (!l) return !t;
    if (!t) return false;
    switch (l.kind) {
      case 'FWD':
        if (behindPointer && t.kind !== 'FWD') {
          // a fwd's kind_flag says struct (0) or union (1)
          return (
            (t.kind === 'STRUCT' && l.fwdKind === 'struct') || (t.kind === 'UNION' && l.fwdKind === 'union')
          );
        }
        return t.kind === 'FWD' && t.fwdKind === l.fwdKind;
      case 'ENUM':
      case 'ENUM64':
        return (t.kind === 'ENUM' || t.kind === 'ENUM64') && enumsMatch(l, t);
      case 'STRUCT':
      case 'UNION':
        if (behindPointer) {
          if (t.kind === l.kind) return true;
          return t.kind === 'FWD' && (l.kind === 'UNION') === (t.fwdKind === 'union');
        }
        return t.kind === l.kind && compositesMatch(localBtf, l, targetBtf, t, behindPointer, level);
      case 'INT':
        return t.kind === 'INT' && l.size === t.size && l.signed === t.signed;
      case 'PTR':
        if (t.kind !== 'PTR') return false;
        behindPointer = true;
        localId = l.type;
        targetId = t.type;
        continue;
      case 'ARRAY':
        if (t.kind !== 'ARRAY' || l.length !== t.length) return false;
        localId = l.type;
        targetId = t.type;
        continue;
      case 'FUNC_PROTO': {
        if (t.kind !== 'FUNC_PROTO' || l.params.length !== t.params.length) return false;
        for (let i = 0; i < l.params.length; i++) {
          if (
            !typesMatchAt(localBtf, l.params[i]!.type, targetBtf, t.params[i]!.type, behindPointer, level - 1)
          ) {
            return false;
          }
        }
        localId = l.returnType;
        targetId = t.returnType;
        continue;
      }
      default:
        return false;
    }
  }
  throw tooDeep(localId);
}

function tooDeep(localId: number): RelocationError {
  return new RelocationError(`type match of local type ${localId} nests too deep`, {
    location: { typeId: localId },
    hint: 'the BTF probably has a reference loop',
  });
}
