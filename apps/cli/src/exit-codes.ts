import { isBpfkitError } from '@bpfkit/core/errors';

/**
 * 0: success; 1: the kernel refused (verifier, permission, missing feature); 2: bad input or
 * usage; 70 (EX_SOFTWARE of sysexits.h): an exception bpfkit did not raise itself, a bug.
 */
export const ExitCode = { OK: 0, KERNEL_REFUSED: 1, BAD_INPUT: 2, INTERNAL: 70 } as const;

export function exitCodeFor(error: unknown): number {
  if (!isBpfkitError(error)) return ExitCode.INTERNAL;
  switch (error.code) {
    case 'KERNEL':
    case 'VERIFIER':
    case 'PERMISSION':
    case 'NOT_SUPPORTED':
    case 'PIN_CONFLICT':
      return ExitCode.KERNEL_REFUSED;
    case 'INTERNAL':
      return ExitCode.INTERNAL;
    default:
      return ExitCode.BAD_INPUT;
  }
}
