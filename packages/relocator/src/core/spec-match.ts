import type { Btf } from '@bpfkit/btf';
import { CoreReloKind } from '@bpfkit/btf';
import { isCompositeId, memberBitOffset, memberType, rawMembers, resolvedType, typeOf } from './btf-types.js';
import {
  CORE_SPEC_MAX_LEN,
  type CoreAccessor,
  type CoreSpec,
  isFlexibleArray,
  SpecError,
} from './core-spec.js';
import { essentialNamesEqual } from './essential-name.js';
import { isEnumValueBased, isTypeBased } from './relo-kind.js';
import { fieldsAreCompatible, typesAreCompatible } from './type-compat.js';
import { typesMatch } from './type-match.js';

/**
 * Finds the local named member `accessor` in target type `targetId`, looking through anonymous
 * struct/union members (libbpf's bpf_core_match_member). Appends to the target spec's raw path and
 * bit offset as it descends. Returns the member's type id, or undefined when there is no member
 * of that name or its type is not field-compatible.
 */
function matchMember(
  local: CoreSpec,
  accessor: CoreAccessor,
  target: CoreSpec,
  targetId: number,
): number | undefined {
  const { btf } = target;
  const id = btf.skipModsAndTypedefs(targetId);
  if (!isCompositeId(btf, id)) return undefined;
  // the local member from its holder's words (parseLocalSpec named it): no struct is decoded
  const localMembers = isCompositeId(local.btf, accessor.typeId)
    ? rawMembers(local.btf, accessor.typeId)
    : undefined;
  if (!localMembers || accessor.index >= localMembers.count || accessor.name === undefined) {
    throw new SpecError(`local member ${accessor.index} is missing`);
  }
  const localName = accessor.name;
  const localType = memberType(localMembers, accessor.index);
  // the target struct is read from its words: task_struct has ~250 members to compare names
  // with, and a member that is neither the one sought nor anonymous costs one name comparison
  const members = rawMembers(btf, id);
  if (members.count > 0 && target.raw.length === CORE_SPEC_MAX_LEN) {
    throw new SpecError('target access nests too deep');
  }
  // most members are rejected by their name's first byte, read in place (own strings only)
  const strings = btf.stringBytes;
  const stringsBase = btf.stringsBase;
  const firstChar = localName.charCodeAt(0);
  const prefilter = firstChar < 0x80;
  for (let i = 0; i < members.count; i++) {
    const nameOffset = members.words[members.start + 3 * i]!;
    const at = nameOffset - stringsBase;
    if (prefilter && at >= 0 && at < strings.length) {
      const c = strings[at]!;
      if (c !== 0 && c !== firstChar) continue;
    }
    const compared = btf.compareName(nameOffset, localName);
    if (compared === 0) continue;
    const bitOffset = memberBitOffset(members, i);
    const type = memberType(members, i);
    target.bitOffset += bitOffset;
    target.raw.push(i);
    if (compared < 0) {
      const found = matchMember(local, accessor, target, type);
      if (found !== undefined) return found;
    } else {
      if (!fieldsAreCompatible(local.btf, localType, btf, type)) return undefined;
      target.accessors.push({ typeId: id, index: i, name: localName });
      return type;
    }
    target.bitOffset -= bitOffset;
    target.raw.pop();
  }
  return undefined;
}

/**
 * Matches a local spec against one candidate root type of the target BTF, as libbpf's
 * bpf_core_spec_match: the target spec when the candidate fits, undefined when it does not.
 * Type kinds compare the roots (compatibility, or the stricter match for TYPE_MATCHES); enum
 * kinds look the enumerator up by essential name; field kinds follow every named member by name
 * and every array index within bounds (flexible arrays excepted).
 */
export function matchSpec(local: CoreSpec, targetBtf: Btf, targetRootId: number): CoreSpec | undefined {
  const target: CoreSpec = {
    btf: targetBtf,
    rootTypeId: targetRootId,
    kind: local.kind,
    accessors: [],
    raw: [],
    bitOffset: 0,
  };
  if (isTypeBased(local.kind)) {
    const matches =
      local.kind === CoreReloKind.TYPE_MATCHES
        ? typesMatch(local.btf, local.rootTypeId, targetBtf, targetRootId)
        : typesAreCompatible(local.btf, local.rootTypeId, targetBtf, targetRootId);
    return matches ? target : undefined;
  }
  if (isEnumValueBased(local.kind)) {
    const { id, type } = resolvedType(targetBtf, targetRootId);
    if (type?.kind !== 'ENUM' && type?.kind !== 'ENUM64') return undefined;
    const wanted = local.accessors[0]!.name!;
    const index = type.values.findIndex((value) => essentialNamesEqual(wanted, value.name));
    if (index < 0) return undefined;
    target.accessors.push({ typeId: id, index, name: type.values[index]!.name });
    target.raw.push(index);
    return target;
  }

  let targetId = targetRootId;
  for (let i = 0; i < local.accessors.length; i++) {
    const accessor = local.accessors[i]!;
    // only an array step needs its type decoded: a named step reads the struct's words
    targetId = targetBtf.skipModsAndTypedefs(targetId);
    if (accessor.name !== undefined) {
      const next = matchMember(local, accessor, target, targetId);
      if (next === undefined) return undefined;
      targetId = next;
      continue;
    }
    // An array index; the first accessor indexes the root itself (ptr[0] of `p->field`).
    if (i > 0) {
      const array = targetId === 0 ? undefined : typeOf(targetBtf, targetId);
      if (array?.kind !== 'ARRAY') return undefined;
      const flexible = isFlexibleArray(targetBtf, target.accessors.at(-1), array);
      if (!flexible && accessor.index >= array.length) return undefined;
      targetId = targetBtf.skipModsAndTypedefs(array.type);
    }
    if (target.raw.length === CORE_SPEC_MAX_LEN) throw new SpecError('target access nests too deep');
    target.accessors.push({ typeId: targetId, index: accessor.index });
    target.raw.push(accessor.index);
    target.bitOffset += accessor.index * targetBtf.resolveSize(targetId) * 8;
  }
  return target;
}
