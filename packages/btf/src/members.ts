import { NotFoundError, UsageError } from '@bpfkit/core';
import type { Btf } from './btf.js';
import { MAX_RESOLVE_DEPTH } from './constants.js';
import { chainTooDeep, skipModsAndTypedefs } from './resolve.js';
import type { BtfMember } from './types.js';

/** A member found by name: its type and where it sits from the start of the outermost struct. */
export interface MemberLocation {
  name: string;
  type: number;
  bitOffset: number;
  /** width in bits for a bitfield, 0 otherwise */
  bitfieldSize: number;
}

export function members(btf: Btf, id: number): BtfMember[] {
  const resolved = skipModsAndTypedefs(btf, id);
  const type = resolved === 0 ? undefined : btf.typeById(resolved);
  if (type?.kind !== 'STRUCT' && type?.kind !== 'UNION') {
    throw new UsageError(`type ${id} is ${type?.kind ?? 'void'}, not a struct or union`, {
      location: { typeId: id },
    });
  }
  return type.members;
}

/** Searches `name` among the members of `id`, descending into anonymous members as C does. */
function lookup(btf: Btf, id: number, name: string, depth: number): MemberLocation | undefined {
  if (depth > MAX_RESOLVE_DEPTH) throw chainTooDeep(id, id);
  for (const member of members(btf, id)) {
    if (member.name === name) return { ...member };
    if (member.name !== '') continue;
    const kind = btf.kindOf(skipModsAndTypedefs(btf, member.type));
    if (kind !== 'STRUCT' && kind !== 'UNION') continue;
    const inner = lookup(btf, member.type, name, depth + 1);
    if (inner) return { ...inner, bitOffset: inner.bitOffset + member.bitOffset };
  }
  return undefined;
}

export function findMember(btf: Btf, id: number, path: string): MemberLocation {
  let current = id;
  let bitOffset = 0;
  let found: MemberLocation | undefined;
  for (const part of path.split('.')) {
    found = lookup(btf, current, part, 0);
    if (!found) {
      throw new NotFoundError(`type ${btf.formatType(current)} has no member '${part}'`, {
        location: { typeId: current, field: path },
      });
    }
    bitOffset += found.bitOffset;
    current = found.type;
  }
  return { ...found!, bitOffset };
}
