/**
 * What the corpus test accepts. Raise the floor when more programs compile; every exception says
 * why bpfkit refuses an object that libbpf loads, and goes when that is fixed.
 */

/** progs/*.c of linux-source-6.1 that compile against this kernel's vmlinux.h (488 of 497 on 6.18). */
export const compiledFloor = 488;

/** Object name (`linked/NAME` for a linked set) -> why bpfkit refusing it while libbpf loads it is accepted. */
export const knownExceptions: Readonly<Record<string, string>> = {};
