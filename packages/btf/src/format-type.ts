import type { Btf } from './btf.js';
import { MAX_RESOLVE_DEPTH } from './constants.js';
import { chainTooDeep } from './resolve.js';

/** Writes a base type name before a declarator: "char" + "[16]", "int" + "*", "int" + "(*)(void)". */
function join(base: string, declarator: string): string {
  if (declarator === '') return base;
  return declarator.startsWith('[') ? `${base}${declarator}` : `${base} ${declarator}`;
}

/**
 * C declarator syntax, built inside out: each pointer, array or prototype wraps the declarator
 * of what it refers to, the way a C declaration reads. Struct bodies are never expanded, so only
 * typedef/modifier/pointer chains recurse, and those are depth-limited.
 */
function declare(btf: Btf, id: number, declarator: string, depth: number, start: number): string {
  if (depth > MAX_RESOLVE_DEPTH) throw chainTooDeep(start, id);
  if (id === 0) return join('void', declarator);
  const type = btf.typeById(id);
  const next = depth + 1;
  switch (type.kind) {
    case 'INT':
    case 'FLOAT':
    case 'TYPEDEF':
      return join(type.name, declarator);
    case 'STRUCT':
    case 'UNION':
    case 'ENUM':
    case 'ENUM64': {
      const keyword = type.kind === 'ENUM64' ? 'enum' : type.kind.toLowerCase();
      return join(`${keyword} ${type.name || '{...}'}`, declarator);
    }
    case 'FWD':
      return join(`${type.fwdKind} ${type.name}`, declarator);
    case 'PTR': {
      const target = type.type === 0 ? 'VOID' : btf.kindOf(type.type);
      const wrapped = target === 'ARRAY' || target === 'FUNC_PROTO' ? `(*${declarator})` : `*${declarator}`;
      return declare(btf, type.type, wrapped, next, start);
    }
    case 'CONST':
    case 'VOLATILE':
    case 'RESTRICT': {
      const qualifier = type.kind.toLowerCase();
      if (type.type !== 0 && btf.kindOf(type.type) === 'PTR') {
        // a qualified pointer: the qualifier goes after the '*' ("char *const")
        return declare(btf, type.type, declarator ? `${qualifier} ${declarator}` : qualifier, next, start);
      }
      return `${qualifier} ${declare(btf, type.type, declarator, next, start)}`;
    }
    case 'TYPE_TAG':
    case 'DECL_TAG':
      return declare(btf, type.type, declarator, next, start);
    case 'ARRAY':
      return declare(btf, type.type, `${declarator}[${type.length}]`, next, start);
    case 'FUNC_PROTO': {
      const params = type.params.map((param, index) =>
        param.type === 0 && index === type.params.length - 1
          ? '...'
          : declare(btf, param.type, '', next, start),
      );
      return declare(btf, type.returnType, `${declarator}(${params.join(', ') || 'void'})`, next, start);
    }
    case 'FUNC':
      return declare(btf, type.type, `${type.name}${declarator}`, next, start);
    case 'VAR':
      return declare(btf, type.type, type.name, next, start);
    case 'DATASEC':
      return `SEC("${type.name}")`;
  }
}

export function formatType(btf: Btf, id: number): string {
  return declare(btf, id, '', 0, id);
}
