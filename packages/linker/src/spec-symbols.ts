import type { Btf } from '@bpfkit/btf';
import type { MapSpec, ObjectSymbol } from '@bpfkit/core';
import { mapDefinitionMismatch, typeMismatch } from './btf-compat.js';
import { SymbolConflictError } from './link-error.js';
import { datasecVariables, functionBtfId, type SpecInput } from './spec-input.js';

/** One spec's definition or extern declaration of a global name. */
export interface SpecDeclaration {
  input: SpecInput;
  /** undefined for an extern */
  definition: ObjectSymbol | undefined;
  /** the FUNC or VAR describing it in the spec's BTF */
  btfId: number | undefined;
}

/** A global name resolved across the specs, by libbpf's rules (linker_append_elf_sym). */
export interface ResolvedGlobal {
  name: string;
  kind: ObjectSymbol['kind'];
  /** the definition that won: the strong one, else the first weak one; undefined while only externs name it */
  winner: SpecDeclaration | undefined;
  /** every declaration, in link order: definitions that lost and externs included */
  declarations: SpecDeclaration[];
  /** STB_WEAK only if every definition is weak; STV_HIDDEN if any declaration is hidden */
  weak: boolean;
  hidden: boolean;
}

/**
 * Resolves every spec's global definitions and externs: a strong definition beats weak ones and
 * the first weak one beats later ones; two strong definitions conflict (maps excepted when their
 * definitions are the same, as libbpf accepts for maps declared in several objects); externs bind
 * to the definition. Every declaration must agree with the first one that has BTF, by the ELF
 * linker's checks (typeMismatch, mapDefinitionMismatch).
 */
export function resolveSpecGlobals(inputs: readonly SpecInput[]): Map<string, ResolvedGlobal> {
  const globals = new Map<string, ResolvedGlobal>();
  for (const input of inputs) {
    for (const definition of input.definitions) {
      const declaration: SpecDeclaration = {
        input,
        definition,
        btfId: definitionBtfId(input, definition),
      };
      const known = globals.get(definition.name);
      if (!known) {
        globals.set(definition.name, {
          name: definition.name,
          kind: definition.kind,
          winner: declaration,
          declarations: [declaration],
          weak: definition.weak,
          hidden: definition.hidden,
        });
        continue;
      }
      checkAgreement(known, declaration);
      known.declarations.push(declaration);
      known.hidden ||= definition.hidden;
      if (!definition.weak) known.weak = false;
      const winner = known.winner;
      if (!winner) {
        known.winner = declaration;
        known.kind = definition.kind;
        continue;
      }
      if (definition.weak) continue;
      if (!winner.definition!.weak) {
        if (definition.kind === 'map' && sameMap(winner, declaration)) continue;
        const objects = [winner.input.spec.name, input.spec.name] as const;
        throw new SymbolConflictError(
          definition.name,
          objects,
          `${definition.kind} ${definition.name} is defined in both ${objects[0]} and ${objects[1]}`,
          { hint: 'make one definition __weak, or static if each object should keep its own' },
        );
      }
      known.winner = declaration;
    }
    for (const extern of input.spec.externs ?? []) {
      const declaration: SpecDeclaration = {
        input,
        definition: undefined,
        btfId: externBtfId(input.btf, extern.name),
      };
      const known = globals.get(extern.name);
      if (!known) {
        globals.set(extern.name, {
          name: extern.name,
          kind: kindOfExtern(input.btf, declaration.btfId),
          winner: undefined,
          declarations: [declaration],
          weak: true,
          hidden: false,
        });
        continue;
      }
      checkAgreement(known, declaration);
      known.declarations.push(declaration);
    }
  }
  // an extern's binding does not make a definition weak or strong; externs alone stay as the first said
  for (const global of globals.values()) {
    if (global.winner) continue;
    global.weak = global.declarations.every(
      (d) => d.input.spec.externs?.find((e) => e.name === global.name)?.weak ?? false,
    );
  }
  return globals;
}

function definitionBtfId(input: SpecInput, definition: ObjectSymbol): number | undefined {
  const btf = input.btf;
  if (!btf) return undefined;
  switch (definition.kind) {
    case 'function': {
      const fn = input.code.get(definition.name);
      return fn ? functionBtfId(fn) : undefined;
    }
    case 'map':
      return input.spec.maps.find((m) => m.name === definition.name)?.source.btfVarId;
    case 'variable':
      return datasecVariables(btf, definition.map ?? '').find(
        (v) => v.name === definition.name && v.place.offset === definition.offset,
      )?.id;
  }
}

/** The extern FUNC or VAR of a name (clang writes one per extern declaration). */
function externBtfId(btf: Btf | undefined, name: string): number | undefined {
  if (!btf) return undefined;
  return btf.findByName(name).find((id) => {
    const type = btf.typeById(id);
    return (type.kind === 'FUNC' || type.kind === 'VAR') && type.linkage === 'extern';
  });
}

/** An extern FUNC is a function, an extern VAR in the `.maps` DATASEC a map, any other a variable. */
function kindOfExtern(btf: Btf | undefined, id: number | undefined): ObjectSymbol['kind'] {
  if (!btf || id === undefined) return 'variable';
  if (btf.kindOf(id) === 'FUNC') return 'function';
  return datasecVariables(btf, '.maps').some((v) => v.id === id) ? 'map' : 'variable';
}

/** Two definitions of one map: the same attributes, by BTF where both have it. */
function sameMap(a: SpecDeclaration, b: SpecDeclaration): boolean {
  const mapA = mapOf(a);
  const mapB = mapOf(b);
  if (!mapA || !mapB) return false;
  return mapShapeMismatch(mapA, mapB) === undefined;
}

function mapOf(declaration: SpecDeclaration): MapSpec | undefined {
  return declaration.input.spec.maps.find((m) => m.name === declaration.definition?.name);
}

function mapShapeMismatch(a: MapSpec, b: MapSpec): string | undefined {
  for (const field of ['type', 'keySize', 'valueSize', 'maxEntries', 'flags'] as const) {
    if (a[field] !== b[field]) return `${field} is ${a[field]} in one and ${b[field]} in the other`;
  }
  if (a.pinning.kind !== b.pinning.kind)
    return `pinning is ${a.pinning.kind} in one and ${b.pinning.kind} in the other`;
  return undefined;
}

/**
 * libbpf's glob_syms_match over specs: a later declaration agrees with the first in kind, and in
 * type where both have BTF (functions compare their FUNC_PROTOs, variables their types, maps
 * their attributes); maps without BTF compare their shapes.
 */
function checkAgreement(known: ResolvedGlobal, declaration: SpecDeclaration): void {
  const kind = declaration.definition?.kind ?? kindOfExtern(declaration.input.btf, declaration.btfId);
  const first = known.declarations.find((d) => d.btfId !== undefined && d.input.btf);
  const other = known.declarations[0]!;
  const objects = (d: SpecDeclaration) => [d.input.spec.name, declaration.input.spec.name] as const;
  const declaredKind = other.definition?.kind ?? known.kind;
  // an extern of unknown kind (no BTF) takes the kind of what defines it
  const externWithoutBtf = declaration.definition === undefined && declaration.btfId === undefined;
  if (kind !== declaredKind && !externWithoutBtf && (other.definition || other.btfId !== undefined)) {
    throw new SymbolConflictError(
      known.name,
      objects(other),
      `global ${known.name} is a ${declaredKind} in ${other.input.spec.name} but a ${kind} in ${declaration.input.spec.name}`,
      { hint: 'declare the symbol with the same type in every object' },
    );
  }
  if (kind === 'map' && declaration.definition) {
    const definedBefore = known.declarations.find((d) => d.definition?.kind === 'map');
    const mapA = definedBefore && mapOf(definedBefore);
    const mapB = mapOf(declaration);
    const reason = mapA && mapB ? mapShapeMismatch(mapA, mapB) : undefined;
    if (reason) throw conflict(known.name, objects(definedBefore!), reason);
  }
  if (!first || declaration.btfId === undefined || !declaration.input.btf) return;
  const a = { btf: first.input.btf!, id: first.btfId! };
  const b = { btf: declaration.input.btf, id: declaration.btfId };
  const reason =
    kind === 'map'
      ? mapDefinitionMismatch(
          { btf: a.btf, id: a.btf.sizeOrTypeOf(a.id) },
          { btf: b.btf, id: b.btf.sizeOrTypeOf(b.id) },
        )
      : typeMismatch(
          { btf: a.btf, id: a.btf.sizeOrTypeOf(a.id) },
          { btf: b.btf, id: b.btf.sizeOrTypeOf(b.id) },
        );
  if (reason) {
    const describe = (ref: typeof a) => ref.btf.formatType(ref.btf.sizeOrTypeOf(ref.id));
    throw conflict(
      known.name,
      objects(first),
      `${first.input.spec.name} declares it as ${describe(a)} but ${declaration.input.spec.name} as ${describe(b)} (${reason})`,
    );
  }
}

function conflict(name: string, objects: readonly [string, string], reason: string): SymbolConflictError {
  return new SymbolConflictError(name, objects, `global ${name}: ${reason}`, {
    hint: 'declare the symbol with the same type in every object',
  });
}
