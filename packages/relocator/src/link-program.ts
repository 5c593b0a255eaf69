import {
  type CoreRelocation,
  type FuncInfo,
  type FunctionSpec,
  type Instruction,
  type LineInfo,
  type ProgramRelocation,
  PseudoCall,
  PseudoSrc,
  RelocationError,
} from '@bpfkit/core';

/** A program with every function it calls appended, ready for map resolution. */
export interface LinkedProgram {
  instructions: Instruction[];
  /** the remaining symbolic relocations (maps, externs), re-based onto `instructions` */
  relocations: ProgramRelocation[];
  /** where each function starts in `instructions`, entry program first */
  layout: { function: string; start: number; length: number }[];
  /** func_info and line_info of every placed function, re-based onto `instructions` */
  funcInfo: FuncInfo[];
  lineInfo: LineInfo[];
  coreRelocations: CoreRelocation[];
}

/**
 * Appends every function an entry program reaches through bpf-to-bpf calls and callbacks,
 * each once, in the order it is first reached — libbpf's bpf_object__reloc_code — and makes the
 * call immediates pc-relative (BPF_PSEUDO_CALL) and callback loads BPF_PSEUDO_FUNC.
 */
export function linkProgram(
  entry: FunctionSpec,
  callable: (name: string) => FunctionSpec | undefined,
): LinkedProgram {
  const instructions: Instruction[] = [];
  const relocations: ProgramRelocation[] = [];
  const layout: LinkedProgram['layout'] = [];
  const funcInfo: FuncInfo[] = [];
  const lineInfo: LineInfo[] = [];
  const coreRelocations: CoreRelocation[] = [];
  const starts = new Map<string, number>();

  // Depth first, as libbpf's bpf_object__reloc_code recurses: a callee is appended when the first
  // call to it is met and its own calls are resolved right away, before its caller's next call.
  const place = (fn: FunctionSpec): number => {
    const known = starts.get(fn.name);
    if (known !== undefined) return known;
    const start = instructions.length;
    starts.set(fn.name, start);
    for (const insn of fn.instructions) instructions.push({ ...insn });
    layout.push({ function: fn.name, start, length: fn.instructions.length });
    // libbpf's adjust_prog_btf_ext_info: each function's records move with it.
    for (const info of fn.funcInfo ?? []) funcInfo.push({ ...info, instruction: info.instruction + start });
    for (const info of fn.lineInfo ?? []) lineInfo.push({ ...info, instruction: info.instruction + start });
    for (const relo of fn.coreRelocations ?? [])
      coreRelocations.push({ ...relo, instruction: relo.instruction + start });
    resolveCalls(fn, start);
    return start;
  };

  const resolveCalls = (fn: FunctionSpec, start: number): void => {
    for (const relocation of fn.relocations) {
      const at = start + relocation.instruction;
      if (relocation.kind !== 'call' && relocation.kind !== 'func-pointer') {
        relocations.push({ ...relocation, instruction: at });
        continue;
      }
      const target = callable(relocation.function);
      if (!target) {
        throw new RelocationError(`calls function ${relocation.function}, which the object does not define`, {
          location: { program: entry.name, symbol: fn.name, instruction: relocation.instruction },
          hint: 'the callee must be a function in .text or another program of this object',
        });
      }
      const targetStart = place(target);
      const insn = instructions[at]!;
      insn.imm = targetStart - (at + 1);
      insn.src = relocation.kind === 'call' ? PseudoCall.CALL : PseudoSrc.FUNC;
    }
  };

  place(entry);
  return { instructions, relocations, layout, funcInfo, lineInfo, coreRelocations };
}
