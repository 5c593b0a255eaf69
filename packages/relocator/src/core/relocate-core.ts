import { type Btf, CoreReloKind } from '@bpfkit/btf';
import { type CoreRelocation, type Instruction, isBpfkitError, RelocationError } from '@bpfkit/core';
import { type CoreSpec, formatAccessPath, parseLocalSpec, SpecError } from './core-spec.js';
import { PatchError, patchInstruction } from './patch-instruction.js';
import { coreReloKindName } from './relo-kind.js';
import { calculateRelocation, type RelocationValue } from './relo-value.js';
import { matchSpec } from './spec-match.js';
import { buildTargetIndex, TargetIndex } from './target-index.js';

/** What one CO-RE relocation resolved to, and what was done to its instruction. */
export interface CoreRelocationResult {
  /** index of the patched instruction in the program */
  instruction: number;
  /** CoreReloKind value */
  kind: number;
  /** 'FIELD_BYTE_OFFSET', ... */
  kindName: string;
  /** the access as C-like text: "struct task_struct.real_parent", "enum pid_type::PIDTYPE_TGID" */
  accessPath: string;
  /** the object's root type and the value the compiler wrote for it */
  local: { typeId: number; value: bigint };
  /** the matching target root type and the value written; both unset when nothing matched */
  target: { typeId?: number; value?: bigint };
  /** true when the instruction was replaced by a call to helper 0xbad2310 */
  poisoned: boolean;
  /** why it was poisoned */
  poisonReason?: string;
}

export interface RelocateCoreOptions {
  /** program name, for errors */
  program: string;
  /**
   * Candidates per local root type id, pruned as relocations rule them out. libbpf keeps one such
   * cache per object, so a candidate that failed one access is not considered for the next: pass
   * the same Map for every program of an object to decide as libbpf does.
   */
  candidateCache?: Map<number, number[]>;
}

/** The value and spec a candidate produced. */
interface Decision {
  value: RelocationValue;
  spec: CoreSpec | undefined;
}

/**
 * Applies CO-RE relocations to a linked program, patching `instructions` in place, as libbpf's
 * bpf_core_calc_relo_insn + bpf_core_patch_insn: candidates are the target types with the local
 * root's essential name and a compatible kind; each is matched against the local access; all
 * matching candidates must agree on the bit offset and on the value; none matching gives 0 for
 * the existence kinds and poisons the instruction otherwise. Anything that makes libbpf refuse
 * the object (a malformed access, candidates that disagree, an instruction that does not hold
 * the expected value) throws RelocationError naming program, instruction, kind and access.
 */
export function relocateCore(
  instructions: Instruction[],
  relocations: readonly CoreRelocation[],
  local: Btf,
  target: Btf | TargetIndex,
  options: RelocateCoreOptions,
): CoreRelocationResult[] {
  const index = target instanceof TargetIndex ? target : buildTargetIndex(target);
  const cache = options.candidateCache ?? new Map<number, number[]>();
  return relocations.map((relocation) =>
    relocateOne(instructions, relocation, local, index, cache, options.program),
  );
}

function relocateOne(
  instructions: Instruction[],
  relocation: CoreRelocation,
  local: Btf,
  index: TargetIndex,
  cache: Map<number, number[]>,
  program: string,
): CoreRelocationResult {
  const kindName = coreReloKindName(relocation.kind);
  // The C-like access text costs a formatType per relocation: made only for errors, poison
  // reasons and readers of a result's accessPath.
  let localSpec: CoreSpec | undefined;
  let formatted: string | undefined;
  const accessPath = (): string => {
    if (formatted !== undefined) return formatted;
    const raw = `type ${relocation.typeId} access ${relocation.accessString}`;
    if (localSpec === undefined) return raw;
    try {
      formatted = formatAccessPath(localSpec);
    } catch {
      formatted = raw; // BTF too broken to print: the ids and access string still say what it was
    }
    return formatted;
  };
  const fail = (reason: string, hint?: string, cause?: unknown): RelocationError =>
    new RelocationError(`CO-RE ${kindName} relocation of ${accessPath()}: ${reason}`, {
      location: { program, instruction: relocation.instruction, typeId: relocation.typeId },
      ...(hint === undefined ? {} : { hint }),
      ...(cause === undefined ? {} : { cause }),
    });
  const guard = <T>(run: () => T): T => {
    try {
      return run();
    } catch (error) {
      if (error instanceof SpecError || error instanceof PatchError) throw fail(error.message);
      if (isBpfkitError(error) && !(error instanceof RelocationError))
        throw fail(error.message, undefined, error);
      throw error;
    }
  };

  const spec = guard(() => parseLocalSpec(local, relocation));
  localSpec = spec;

  let decision: Decision;
  if (relocation.kind === CoreReloKind.TYPE_ID_LOCAL) {
    // The object's own type id: no candidate search, and never validated (linking renumbers).
    const id = BigInt(spec.rootTypeId);
    decision = {
      spec: undefined,
      value: {
        original: id,
        updated: id,
        poison: false,
        validate: false,
        originalSize: 0,
        updatedSize: 0,
        failMemorySizeAdjust: false,
      },
    };
  } else {
    const rootName = local.typeName(relocation.typeId);
    if (rootName === '') {
      throw fail(
        'the root type is anonymous',
        'CO-RE relocations need a named root type (libbpf refuses them too)',
      );
    }
    decision = guard(() => decide(spec, index, cache, rootName, fail));
  }

  const outcome = guard(() => patchInstruction(instructions, relocation.instruction, decision.value));
  const result: CoreRelocationResult = {
    instruction: relocation.instruction,
    kind: relocation.kind,
    kindName,
    get accessPath() {
      return accessPath();
    },
    local: { typeId: relocation.typeId, value: decision.value.original },
    target: {},
    poisoned: outcome.poisoned,
  };
  if (decision.spec) result.target.typeId = decision.spec.rootTypeId;
  if (!outcome.poisoned) result.target.value = decision.value.updated;
  if (outcome.poisoned) {
    result.poisonReason = decision.value.poison
      ? `${accessPath()} does not exist in the target kernel's BTF`
      : `the target field's size differs and the load cannot be widened or narrowed safely`;
  }
  return result;
}

/** Matches every candidate and checks they agree (the heart of bpf_core_calc_relo_insn). */
function decide(
  localSpec: CoreSpec,
  index: TargetIndex,
  cache: Map<number, number[]>,
  rootName: string,
  fail: (reason: string, hint?: string) => RelocationError,
): Decision {
  const rootId = localSpec.rootTypeId;
  let candidates = cache.get(rootId);
  if (!candidates) {
    const kind = localSpec.btf.kindOf(rootId);
    candidates = kind === 'VOID' ? [] : index.candidates(rootName, kind);
    cache.set(rootId, candidates);
  }
  let chosen: Decision | undefined;
  const matching: number[] = [];
  for (const candidate of candidates) {
    const spec = matchSpec(localSpec, index.btf, candidate);
    if (!spec) continue;
    const value = calculateRelocation(localSpec, spec);
    if (!chosen) {
      chosen = { spec, value };
    } else if (spec.bitOffset !== chosen.spec!.bitOffset) {
      throw fail(
        `candidates ${describe(index.btf, chosen.spec!)} and ${describe(index.btf, spec)} put the field at different offsets (bit ${chosen.spec!.bitOffset} vs ${spec.bitOffset})`,
        'the target BTF has several types with this essential name; use a ___flavor that matches only one',
      );
    } else if (value.poison !== chosen.value.poison || value.updated !== chosen.value.updated) {
      throw fail(
        `candidates ${describe(index.btf, chosen.spec!)} and ${describe(index.btf, spec)} disagree (${chosen.value.updated} vs ${value.updated})`,
        'the target BTF has several types with this essential name; use a ___flavor that matches only one',
      );
    }
    matching.push(candidate);
  }
  // libbpf keeps only the candidates that matched, for the next relocation on this root type.
  if (matching.length > 0) cache.set(rootId, matching);
  return chosen ?? { spec: undefined, value: calculateRelocation(localSpec, undefined) };
}

function describe(btf: Btf, spec: CoreSpec): string {
  return `[${spec.rootTypeId}] ${btf.formatType(spec.rootTypeId)}`;
}
