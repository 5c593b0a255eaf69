// The slot codec lives in core, which instruction streams need; asm keeps its names.
export { decodeInstructions, INSTRUCTION_SIZE } from '@bpfkit/core';
