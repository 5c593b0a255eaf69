import {
  type CoreRelocation,
  concatStreams,
  type FuncInfo,
  type FunctionSpec,
  type Instruction,
  type InstructionStream,
  instructionCount,
  type LineInfo,
  type ProgramRelocation,
  PseudoCall,
  PseudoSrc,
  RelocationError,
  streamCoreRelocations,
  streamFuncInfo,
  streamInstructions,
  streamLineInfo,
  streamReferences,
} from '@bpfkit/core';

/**
 * A program with every function it calls appended: its layout is final (the kernel's instruction
 * indices), so from here on metadata is read at fixed indices and instructions are patched in place.
 */
export interface LinkedProgram {
  /** the functions' streams laid end to end, every piece of metadata at its final index */
  stream: InstructionStream;
  /** the stream decoded, with calls and callbacks made pc-relative: what the other passes patch */
  instructions: Instruction[];
  /** the remaining symbolic references (maps, externs) at their final indices */
  relocations: ProgramRelocation[];
  /** where each function starts in `instructions`, entry program first */
  layout: { function: string; start: number; length: number }[];
  /** func_info and line_info of every placed function, at their final indices */
  funcInfo: FuncInfo[];
  lineInfo: LineInfo[];
  coreRelocations: CoreRelocation[];
}

/**
 * Appends every function an entry program reaches through bpf-to-bpf calls and callbacks,
 * each once, in the order it is first reached — libbpf's bpf_object__reloc_code — and makes the
 * call immediates pc-relative (BPF_PSEUDO_CALL) and callback loads BPF_PSEUDO_FUNC. The streams
 * are appended whole, so each function's references, CO-RE records and func/line info come along.
 */
export function linkProgram(
  entry: FunctionSpec,
  callable: (name: string) => FunctionSpec | undefined,
): LinkedProgram {
  const order: FunctionSpec[] = [];
  const starts = new Map<string, number>();
  let length = 0;

  // Depth first, as libbpf's bpf_object__reloc_code recurses: a callee is appended when the first
  // call to it is met and its own calls are placed right away, before its caller's next call.
  const place = (fn: FunctionSpec): void => {
    if (starts.has(fn.name)) return;
    starts.set(fn.name, length);
    order.push(fn);
    length += instructionCount(fn.instructions);
    for (const reference of streamReferences(fn.instructions)) {
      if (reference.kind !== 'call' && reference.kind !== 'func-pointer') continue;
      const target = callable(reference.function);
      if (!target) {
        throw new RelocationError(`calls function ${reference.function}, which the object does not define`, {
          location: { program: entry.name, symbol: fn.name, instruction: reference.instruction },
          hint: 'the callee must be a function in .text or another program of this object',
        });
      }
      place(target);
    }
  };
  place(entry);

  const { stream } = concatStreams(
    order.map((fn) => fn.instructions),
    'little',
  );
  const instructions = streamInstructions(stream);
  const relocations: ProgramRelocation[] = [];
  for (const reference of streamReferences(stream)) {
    if (reference.kind !== 'call' && reference.kind !== 'func-pointer') {
      relocations.push(reference);
      continue;
    }
    const insn = instructions[reference.instruction]!;
    insn.imm = starts.get(reference.function)! - (reference.instruction + 1);
    insn.src = reference.kind === 'call' ? PseudoCall.CALL : PseudoSrc.FUNC;
  }
  return {
    stream,
    instructions,
    relocations,
    layout: order.map((fn) => ({
      function: fn.name,
      start: starts.get(fn.name)!,
      length: instructionCount(fn.instructions),
    })),
    funcInfo: streamFuncInfo(stream),
    lineInfo: streamLineInfo(stream),
    coreRelocations: streamCoreRelocations(stream),
  };
}
