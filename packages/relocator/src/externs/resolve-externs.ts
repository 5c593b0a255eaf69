import {
  type Instruction,
  LD_IMM64_CODE,
  type ProgramRelocation,
  PseudoCall,
  PseudoSrc,
  RelocationError,
} from '@bpfkit/core';
import type { ExternTarget } from './extern-targets.js';

const CALL_CODE = 0x85;

/**
 * Immediate of a call to a weak kfunc the kernel lacks: 2002000000 + the extern's index, so that
 * the verifier's "invalid func unknown#2002000003" names the extern (libbpf ≥ 1.2's
 * poison_kfunc_call; 1.1 leaves imm 0, which the verifier also rejects when reachable).
 */
export const KFUNC_POISON_BASE = 2002000000;

export interface ResolveExternsOptions {
  /** program name, for errors */
  program: string;
  /** name of the .kconfig map in the object's map specs (default '.kconfig') */
  kconfigMap?: string;
}

/**
 * Writes resolved externs into a linked program, as libbpf's bpf_object__relocate_data
 * (RELO_EXTERN_LD64 / RELO_EXTERN_CALL): typed ksyms become BPF_PSEUDO_BTF_ID loads, typeless ones
 * their address, kfunc calls BPF_PSEUDO_KFUNC_CALL with the kernel BTF id (weak missing ones
 * poisoned). Kconfig references are handed back as map-value relocations of the .kconfig map,
 * with every other relocation, for resolveMapRelocations to give them the map's fd.
 */
export function resolveExterns(
  instructions: Instruction[],
  relocations: readonly ProgramRelocation[],
  targets: ReadonlyMap<string, ExternTarget>,
  options: ResolveExternsOptions,
): ProgramRelocation[] {
  const remaining: ProgramRelocation[] = [];
  for (const relocation of relocations) {
    if (relocation.kind !== 'extern') {
      remaining.push(relocation);
      continue;
    }
    const location = {
      program: options.program,
      instruction: relocation.instruction,
      symbol: relocation.name,
    };
    const target = targets.get(relocation.name);
    if (!target) {
      throw new RelocationError(`references extern ${relocation.name}, which was not resolved`, {
        location,
        hint: 'plan the object externs with planExterns and resolve them with resolveExternTargets',
      });
    }
    const insn = instructions[relocation.instruction];
    const second = instructions[relocation.instruction + 1];
    if (insn?.code === CALL_CODE) {
      if (target.kind === 'kfunc') {
        insn.src = PseudoCall.KFUNC_CALL;
        insn.imm = target.btfId;
        insn.off = target.fdIndex;
      } else if (target.kind === 'missing-kfunc') {
        insn.src = 0;
        insn.dst = 0;
        insn.off = 0;
        insn.imm = KFUNC_POISON_BASE + target.externIndex;
      } else {
        throw new RelocationError(`calls extern ${relocation.name}, which is not a kfunc`, { location });
      }
      continue;
    }
    if (insn?.code !== LD_IMM64_CODE || !second) {
      throw new RelocationError(
        `extern ${relocation.name} is referenced by an instruction that is neither ld_imm64 nor call`,
        {
          location,
        },
      );
    }
    switch (target.kind) {
      case 'kconfig':
        remaining.push({
          kind: 'map-value',
          instruction: relocation.instruction,
          map: options.kconfigMap ?? '.kconfig',
          offset: target.offset + relocation.offset,
        });
        break;
      case 'btf-id':
      case 'kfunc':
        insn.src = PseudoSrc.BTF_ID;
        insn.imm = target.btfId;
        second.imm = target.kind === 'btf-id' ? target.btfObjFd : 0;
        break;
      case 'address':
      case 'missing-kfunc': {
        const address = target.kind === 'address' ? BigInt.asUintN(64, target.address) : 0n;
        insn.src = 0;
        insn.imm = Number(BigInt.asIntN(32, address));
        second.imm = Number(BigInt.asIntN(32, address >> 32n));
        break;
      }
    }
  }
  return remaining;
}
