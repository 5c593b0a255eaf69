import type { BtfTypeDef } from '@bpfkit/btf';

/** A copy of a type definition with every referenced type id passed through `map`. */
export function remapTypeIds(type: BtfTypeDef, map: ArrayLike<number>): BtfTypeDef {
  const to = (id: number) => (id === 0 ? 0 : map[id]!);
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
