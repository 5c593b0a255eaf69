import { isBpfkitError } from '@bpfkit/core';

/** 0: success; 1: the kernel refused (verifier, permission, missing feature); 2: bad input or usage. */
export const ExitCode = { OK: 0, KERNEL_REFUSED: 1, BAD_INPUT: 2 } as const;

export function exitCodeFor(error: unknown): number {
  if (!isBpfkitError(error)) return ExitCode.BAD_INPUT;
  switch (error.code) {
    case 'KERNEL':
    case 'VERIFIER':
    case 'PERMISSION':
    case 'NOT_SUPPORTED':
    case 'PIN_CONFLICT':
      return ExitCode.KERNEL_REFUSED;
    default:
      return ExitCode.BAD_INPUT;
  }
}
