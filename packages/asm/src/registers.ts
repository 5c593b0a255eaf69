/**
 * The eleven eBPF registers: r0 return value, r1-r5 arguments (clobbered by calls), r6-r9
 * callee-saved, r10 the read-only frame pointer. A name, not a number, so that an immediate and a
 * register can never be confused in builder calls such as `jump('jeq', R1, 0, 'out')`.
 */
export type Register = 'r0' | 'r1' | 'r2' | 'r3' | 'r4' | 'r5' | 'r6' | 'r7' | 'r8' | 'r9' | 'r10';

export const R0 = 'r0';
export const R1 = 'r1';
export const R2 = 'r2';
export const R3 = 'r3';
export const R4 = 'r4';
export const R5 = 'r5';
export const R6 = 'r6';
export const R7 = 'r7';
export const R8 = 'r8';
export const R9 = 'r9';
/** frame pointer: the stack is the 512 bytes below it */
export const R10 = 'r10';

const registerNumbers: Readonly<Record<Register, number>> = {
  r0: 0,
  r1: 1,
  r2: 2,
  r3: 3,
  r4: 4,
  r5: 5,
  r6: 6,
  r7: 7,
  r8: 8,
  r9: 9,
  r10: 10,
};

/** The register's number as the dst/src nibble of `struct bpf_insn` holds it. */
export function registerNumber(register: Register): number {
  return registerNumbers[register];
}

export function isRegister(value: unknown): value is Register {
  return typeof value === 'string' && Object.hasOwn(registerNumbers, value);
}
