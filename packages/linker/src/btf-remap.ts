import type { BtfTypeDef } from '@bpfkit/btf';

/** A copy of a type definition with every referenced type id passed through `map` (void stays 0). */
export function remapTypeIds(type: BtfTypeDef, map: ArrayLike<number>): BtfTypeDef {
  return mapTypeIds(type, (id) => (id === 0 ? 0 : map[id]!));
}

/** The type ids a definition refers to, in a fixed order (void included). */
export function referencedTypeIds(type: BtfTypeDef): number[] {
  const ids: number[] = [];
  mapTypeIds(type, (id) => {
    ids.push(id);
    return id;
  });
  return ids;
}

/** The one walk over the type-id fields of each kind: a copy with each id replaced by `to(id)`. */
function mapTypeIds(type: BtfTypeDef, to: (id: number) => number): BtfTypeDef {
  switch (type.kind) {
    case 'PTR':
    case 'TYPEDEF':
    case 'VOLATILE':
    case 'CONST':
    case 'RESTRICT':
    case 'TYPE_TAG':
    case 'FUNC':
    case 'VAR':
    case 'DECL_TAG':
      return { ...type, type: to(type.type) };
    case 'ARRAY':
      return { ...type, type: to(type.type), indexType: to(type.indexType) };
    case 'STRUCT':
    case 'UNION':
      return { ...type, members: type.members.map((member) => ({ ...member, type: to(member.type) })) };
    case 'FUNC_PROTO':
      return {
        ...type,
        returnType: to(type.returnType),
        params: type.params.map((param) => ({ ...param, type: to(param.type) })),
      };
    case 'DATASEC':
      return { ...type, vars: type.vars.map((info) => ({ ...info, type: to(info.type) })) };
    default:
      return { ...type };
  }
}
