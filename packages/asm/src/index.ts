// Instruction streams live in core (specs hold them); asm, the instruction package, offers them too.
export {
  concatStreams,
  createInstructionStream,
  type EditPoint,
  encodeStream,
  type InstructionStream,
  insertInstructions,
  instructionAt,
  instructionCount,
  labelIndex,
  type NewInstruction,
  removeInstructions,
  replaceInstructions,
  setLabel,
  spliceInstructions,
  streamCoreRelocations,
  streamFromInstructions,
  streamFuncInfo,
  streamInstructions,
  streamLabels,
  streamLineInfo,
  streamReferences,
} from '@bpfkit/core';
export {
  type AluOperation,
  type AtomicOperation,
  type BuiltProgram,
  type JumpCondition,
  type MemorySize,
  ProgramBuilder,
} from './builder.js';
export { type ByteOrder, nativeByteOrder } from './byte-order.js';
export { decodeInstructions, INSTRUCTION_SIZE } from './decode.js';
export { type DisassembledLine, disassemble, disassembleProgram } from './disassemble.js';
export { encodeInstructions } from './encode.js';
export {
  type DisassembleOptions,
  formatInstruction,
  type SymbolLabel,
  UNKNOWN_INSTRUCTION,
} from './format.js';
export { BpfHelper, type BpfHelperName, helperName } from './helpers.js';
export {
  type AddFunctionOptions,
  type AddProgramOptions,
  type MapDefinition,
  ObjectBuilder,
  type ObjectBuilderOptions,
} from './object-builder.js';
export {
  AluOp,
  AtomicOp,
  classOf,
  Endian,
  InsnClass,
  isAluClass,
  isJumpClass,
  JmpOp,
  Mode,
  modeOf,
  opOf,
  Size,
  Source,
  sizeBytes,
  sizeOf,
  sourceOf,
} from './opcodes.js';
export {
  isRegister,
  R0,
  R1,
  R2,
  R3,
  R4,
  R5,
  R6,
  R7,
  R8,
  R9,
  R10,
  type Register,
  registerNumber,
} from './registers.js';
