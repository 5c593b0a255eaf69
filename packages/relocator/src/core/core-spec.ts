import type { Btf, BtfArray } from '@bpfkit/btf';
import type { CoreRelocation } from '@bpfkit/core';
import { isCompositeId, memberBitOffset, memberName, memberType, rawMembers, typeOf } from './btf-types.js';
import { isEnumValueBased, isFieldBased, isTypeBased } from './relo-kind.js';

/** libbpf's BPF_CORE_SPEC_MAX_LEN: deepest member/array nesting an access string may have. */
export const CORE_SPEC_MAX_LEN = 64;

/**
 * One semantically meaningful step of an access (libbpf's struct bpf_core_accessor): a named
 * member (`name` set, `index` = member index in `typeId`) or an array element (`name`
 * undefined, `index` = element). Anonymous struct/union members are walked but not recorded.
 */
export interface CoreAccessor {
  typeId: number;
  index: number;
  name?: string;
}

/** libbpf's struct bpf_core_spec: an access resolved against one BTF. */
export interface CoreSpec {
  btf: Btf;
  rootTypeId: number;
  kind: number;
  accessors: CoreAccessor[];
  /** the access string as indices, anonymous members included ("0:1:2" → [0, 1, 2]) */
  raw: number[];
  /** bit offset of the accessed field from the start of the root */
  bitOffset: number;
}

/** A local access string that libbpf would refuse (bpf_core_parse_spec returning an error). */
export class SpecError extends Error {}

/** libbpf's is_flex_arr: a zero-length array that is the last member of the struct holding it. */
export function isFlexibleArray(btf: Btf, parent: CoreAccessor | undefined, array: BtfArray): boolean {
  if (!parent?.name || array.length > 0) return false;
  // the holder's member count from its info word: decoding the struct would cost ~250 names
  return isCompositeId(btf, parent.typeId) && parent.index === btf.vlenOf(parent.typeId) - 1;
}

/** Parses "0:1:2" strictly: unsigned decimal indices separated by single colons. */
function parseAccessString(text: string): number[] {
  if (!/^\d+(:\d+)*$/.test(text)) throw new SpecError(`malformed access string "${text}"`);
  const raw = text.split(':').map(Number);
  if (raw.length > CORE_SPEC_MAX_LEN) throw new SpecError(`access string "${text}" is too deep`);
  return raw;
}

/**
 * Turns a relocation into a spec against the object's own BTF, as libbpf's bpf_core_parse_spec:
 * type-based kinds need the access string "0"; enum kinds name one enumerator; field kinds walk
 * members and array elements from the root, summing the bit offset.
 */
export function parseLocalSpec(btf: Btf, relocation: CoreRelocation): CoreSpec {
  const spec: CoreSpec = {
    btf,
    rootTypeId: relocation.typeId,
    kind: relocation.kind,
    accessors: [],
    raw: [],
    bitOffset: 0,
  };
  if (isTypeBased(relocation.kind)) {
    if (relocation.accessString !== '0') {
      throw new SpecError(`type relocation has access string "${relocation.accessString}", expected "0"`);
    }
    return spec;
  }
  spec.raw = parseAccessString(relocation.accessString);
  // types are read from their words, not decoded: a local task_struct is ~250 member names
  const rootId = btf.skipModsAndTypedefs(relocation.typeId);
  const first = spec.raw[0]!;
  spec.accessors.push({ typeId: rootId, index: first });

  if (isEnumValueBased(relocation.kind)) {
    const type = rootId === 0 ? undefined : typeOf(btf, rootId);
    if (!type || (type.kind !== 'ENUM' && type.kind !== 'ENUM64')) {
      throw new SpecError(`enum value relocation on a ${type?.kind ?? 'void'} type`);
    }
    if (spec.raw.length > 1 || first >= type.values.length) {
      throw new SpecError(`enumerator ${relocation.accessString} is out of range`);
    }
    spec.accessors[0]!.name = type.values[first]!.name;
    return spec;
  }
  if (!isFieldBased(relocation.kind)) throw new SpecError(`unknown relocation kind ${relocation.kind}`);

  let id = rootId;
  spec.bitOffset = first * btf.resolveSize(id) * 8;
  for (let i = 1; i < spec.raw.length; i++) {
    id = btf.skipModsAndTypedefs(id);
    const index = spec.raw[i]!;
    if (isCompositeId(btf, id)) {
      const members = rawMembers(btf, id);
      if (index >= members.count) {
        throw new SpecError(`member index ${index} is past the ${members.count} members`);
      }
      spec.bitOffset += memberBitOffset(members, index);
      const name = memberName(btf, members, index);
      if (name !== '') spec.accessors.push({ typeId: id, index, name });
      id = memberType(members, index);
      continue;
    }
    const type = id === 0 ? undefined : typeOf(btf, id);
    if (type?.kind === 'ARRAY') {
      const flexible = isFlexibleArray(btf, spec.accessors.at(-1), type);
      if (!flexible && index >= type.length) {
        throw new SpecError(`array index ${index} is past the ${type.length} elements`);
      }
      id = btf.skipModsAndTypedefs(type.type);
      spec.accessors.push({ typeId: id, index });
      spec.bitOffset += index * btf.resolveSize(id) * 8;
    } else {
      throw new SpecError(`access step ${i} reaches a ${type?.kind ?? 'void'}, not a struct, union or array`);
    }
  }
  return spec;
}

/**
 * The access as C-like text, as libbpf's bpf_core_format_spec prints it without ids:
 * "struct task_struct.real_parent", "struct sample.a[3]", "enum pid_type::PIDTYPE_TGID",
 * "struct task_struct" for type-based kinds.
 */
export function formatAccessPath(spec: CoreSpec): string {
  const root = spec.rootTypeId === 0 ? 'void' : spec.btf.formatType(spec.rootTypeId);
  if (isTypeBased(spec.kind)) return root;
  if (isEnumValueBased(spec.kind)) return `${root}::${spec.accessors[0]?.name ?? '?'}`;
  let text = root;
  spec.accessors.forEach((accessor, i) => {
    if (accessor.name !== undefined) text += `.${accessor.name}`;
    else if (i > 0 || accessor.index > 0) text += `[${accessor.index}]`;
  });
  return text;
}
