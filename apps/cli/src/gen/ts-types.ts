import type { Btf, BtfMember, BtfModifier, BtfType } from '@bpfkit/btf';
import { pascalCase, propertyName } from './ts-names.js';

/** Arrays up to this length become tuples (exact length, as encodeValue demands); longer ones T[]. */
const MAX_TUPLE = 16;

/**
 * TypeScript types for BTF types, mirroring what @bpfkit/btf's decodeValue returns (and
 * encodeValue accepts): ints -> number (bigint from 8 bytes up), _Bool -> boolean, char[N] ->
 * string, other arrays -> tuples or arrays, pointers -> bigint, named structs and unions ->
 * interfaces (anonymous members flattened, as C reads them), enums -> a union of their numeric
 * literals plus a const object of their names. Named declarations are collected as they are met.
 */
export class TsTypeEmitter {
  readonly #btf: Btf;
  /** declared TS name of each BTF id that has one */
  readonly #names = new Map<number, string>();
  readonly #taken: Set<string>;
  readonly #declarations: string[] = [];

  constructor(btf: Btf, reservedNames: Iterable<string> = []) {
    this.#btf = btf;
    this.#taken = new Set(reservedNames);
  }

  /** The declarations made so far, in order of first use (dependencies first). */
  declarations(): readonly string[] {
    return this.#declarations;
  }

  /** The TS type of a value of BTF type `id`. */
  typeOf(id: number, depth = 0): string {
    if (depth > 64) return 'never';
    if (id === 0) return 'never';
    const type = this.#btf.typeById(id);
    switch (type.kind) {
      case 'CONST':
      case 'VOLATILE':
      case 'RESTRICT':
      case 'TYPE_TAG':
      case 'VAR':
        return this.typeOf(type.type, depth + 1);
      case 'TYPEDEF':
        return this.#typedef(type, depth);
      case 'INT':
        if (type.bool) return 'boolean';
        return type.size >= 8 ? 'bigint' : 'number';
      case 'PTR':
        return 'bigint';
      case 'FLOAT':
        return 'number';
      case 'ENUM':
      case 'ENUM64':
        return type.name ? this.#declare(type, type.name, depth) : this.#enumUnion(type);
      case 'ARRAY':
        return this.#array(type, depth);
      case 'STRUCT':
      case 'UNION':
        return type.name ? this.#declare(type, type.name, depth) : this.#objectLiteral(type, depth);
      default:
        return 'never';
    }
  }

  /** A typedef of a struct, union or enum gets a name; a typedef of a scalar is that scalar. */
  #typedef(type: BtfModifier, depth: number): string {
    const targetId = this.#btf.skipModsAndTypedefs(type.id);
    if (targetId === 0) return 'never';
    const target = this.#btf.typeById(targetId);
    const named = target.kind === 'STRUCT' || target.kind === 'UNION' || target.kind.startsWith('ENUM');
    if (!named) return this.typeOf(type.type, depth + 1);
    if (target.name === '') return this.#declare(target, type.name, depth, type.id);
    const targetName = this.typeOf(target.id, depth + 1);
    if (this.#names.has(type.id)) return this.#names.get(type.id)!;
    const alias = this.#claim(pascalCase(type.name));
    this.#names.set(type.id, alias);
    this.#declarations.push(
      `/** typedef ${this.#btf.formatType(target.id)} ${type.name} */\nexport type ${alias} = ${targetName};`,
    );
    return alias;
  }

  /** Declares a named struct, union or enum once (under `cName`), and answers its TS name. */
  #declare(type: BtfType, cName: string, depth: number, alsoId?: number): string {
    const known = this.#names.get(type.id);
    if (known) return known;
    const name = this.#claim(pascalCase(cName));
    this.#names.set(type.id, name);
    if (alsoId !== undefined) this.#names.set(alsoId, name);
    const c = this.#btf.formatType(alsoId ?? type.id);
    if (type.kind === 'ENUM' || type.kind === 'ENUM64') {
      const values = type.values.map(
        (v) => `  ${propertyName(v.name)}: ${this.#enumLiteral(type, v.value)},`,
      );
      this.#declarations.push(
        `/** ${c} */\nexport type ${name} = ${this.#enumUnion(type)};\nexport const ${name} = {\n${values.join('\n')}\n} as const;`,
      );
    } else if (type.kind === 'STRUCT' || type.kind === 'UNION') {
      const body = this.#members(type, depth);
      this.#declarations.push(`/** ${c} (${type.size} bytes) */\nexport interface ${name} ${body}`);
    }
    return name;
  }

  #claim(wanted: string): string {
    let name = wanted;
    for (let n = 2; this.#taken.has(name); n++) name = `${wanted}${n}`;
    this.#taken.add(name);
    return name;
  }

  #enumLiteral(type: Extract<BtfType, { kind: 'ENUM' | 'ENUM64' }>, value: number | bigint): string {
    return type.kind === 'ENUM64' ? `${BigInt(value)}n` : String(value);
  }

  #enumUnion(type: Extract<BtfType, { kind: 'ENUM' | 'ENUM64' }>): string {
    const literals = [...new Set(type.values.map((v) => this.#enumLiteral(type, v.value)))];
    if (literals.length === 0) return type.kind === 'ENUM64' ? 'bigint' : 'number';
    return literals.join(' | ');
  }

  #array(type: Extract<BtfType, { kind: 'ARRAY' }>, depth: number): string {
    const element = this.#btf.typeById(this.#btf.skipModsAndTypedefs(type.type));
    if (
      element.kind === 'INT' &&
      element.size === 1 &&
      !element.bool &&
      (element.char || element.name === 'char')
    ) {
      return 'string';
    }
    const inner = this.typeOf(type.type, depth + 1);
    if (type.length <= MAX_TUPLE) return `[${Array.from({ length: type.length }, () => inner).join(', ')}]`;
    return /^[A-Za-z0-9_]+$/.test(inner) ? `${inner}[]` : `Array<${inner}>`;
  }

  #objectLiteral(type: Extract<BtfType, { kind: 'STRUCT' | 'UNION' }>, depth: number): string {
    return this.#members(type, depth).replace(/\n\s*/g, ' ');
  }

  /** `{ a: number; b: string }` with anonymous members flattened; union members optional. */
  #members(type: Extract<BtfType, { kind: 'STRUCT' | 'UNION' }>, depth: number): string {
    const lines = this.#flatMembers(type.members, type.kind === 'UNION', depth).map(
      ({ member, optional }) =>
        `  ${propertyName(member.name)}${optional ? '?' : ''}: ${this.typeOf(member.type, depth + 1)};`,
    );
    return lines.length === 0 ? '{}' : `{\n${lines.join('\n')}\n}`;
  }

  #flatMembers(
    members: readonly BtfMember[],
    inUnion: boolean,
    depth: number,
  ): { member: BtfMember; optional: boolean }[] {
    const flat: { member: BtfMember; optional: boolean }[] = [];
    for (const member of members) {
      if (member.name !== '') {
        flat.push({ member, optional: inUnion });
        continue;
      }
      const inner = this.#btf.typeById(this.#btf.skipModsAndTypedefs(member.type));
      if ((inner.kind === 'STRUCT' || inner.kind === 'UNION') && depth < 64) {
        flat.push(...this.#flatMembers(inner.members, inUnion || inner.kind === 'UNION', depth + 1));
      }
    }
    return flat;
  }
}
