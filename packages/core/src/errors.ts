/**
 * One error hierarchy for every package. Each error says what went wrong, where (the location
 * fields), and what to do (hint). Errors are recognised by `name` as well as by class, so two
 * copies of this package still agree (isBpfkitError).
 */

/** Where an error happened; every field is optional and only the known ones are set. */
export interface ErrorLocation {
  object?: string;
  section?: string;
  symbol?: string;
  program?: string;
  map?: string;
  /** instruction index inside a program */
  instruction?: number;
  /** byte offset inside the object file or the structure being read */
  byteOffset?: number;
  /** the header or struct field being read */
  field?: string;
  /** BTF type id */
  typeId?: number;
  /** C source location from line info */
  source?: { file: string; line: number; column: number; text?: string };
}

export type ErrorCode =
  | 'ELF_MALFORMED'
  | 'BTF_MALFORMED'
  | 'MAP_DEFINITION'
  | 'PROGRAM_DEFINITION'
  | 'RELOCATION'
  | 'KERNEL'
  | 'VERIFIER'
  | 'NOT_SUPPORTED'
  | 'PERMISSION'
  | 'PIN_CONFLICT'
  | 'NOT_FOUND'
  | 'USAGE'
  | 'INTERNAL';

export interface BpfkitErrorOptions {
  location?: ErrorLocation;
  hint?: string;
  cause?: unknown;
}

export class BpfkitError extends Error {
  override name = 'BpfkitError';
  readonly code: ErrorCode;
  readonly location: ErrorLocation;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: BpfkitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.location = options.location ?? {};
    this.hint = options.hint;
  }

  /** The message with its location and hint, as the CLI prints it on one or two lines. */
  describe(): string {
    const where = formatLocation(this.location);
    const head = where ? `${where}: ${this.message}` : this.message;
    return this.hint ? `${head}\n  hint: ${this.hint}` : head;
  }
}

/** The ELF file is truncated, inconsistent or not an eBPF object. */
export class ElfError extends BpfkitError {
  override name = 'ElfError';
  constructor(message: string, options: BpfkitErrorOptions = {}) {
    super('ELF_MALFORMED', message, options);
  }
}

/** .BTF or .BTF.ext cannot be read. */
export class BtfError extends BpfkitError {
  override name = 'BtfError';
  constructor(message: string, options: BpfkitErrorOptions = {}) {
    super('BTF_MALFORMED', message, options);
  }
}

/** A map definition is malformed or contradicts itself. */
export class MapDefinitionError extends BpfkitError {
  override name = 'MapDefinitionError';
  constructor(message: string, options: BpfkitErrorOptions = {}) {
    super('MAP_DEFINITION', message, options);
  }
}

/** A program section or symbol cannot become a program. */
export class ProgramDefinitionError extends BpfkitError {
  override name = 'ProgramDefinitionError';
  constructor(message: string, options: BpfkitErrorOptions = {}) {
    super('PROGRAM_DEFINITION', message, options);
  }
}

/** A relocation names something that does not exist or cannot be applied. */
export class RelocationError extends BpfkitError {
  override name = 'RelocationError';
  constructor(message: string, options: BpfkitErrorOptions = {}) {
    super('RELOCATION', message, options);
  }
}

/** A bpf() or other system call failed. */
export class KernelError extends BpfkitError {
  override name = 'KernelError';
  readonly errno: number;
  readonly syscall: string;
  constructor(syscall: string, errno: number, message: string, options: BpfkitErrorOptions = {}) {
    super('KERNEL', message, options);
    this.errno = errno;
    this.syscall = syscall;
  }
}

/** The calling process lacks a capability the kernel asks for. */
export class PermissionError extends KernelError {
  override name = 'PermissionError';
}

/** PROG_LOAD was refused by the verifier; `log` is the whole verifier log. */
export class VerifierError extends KernelError {
  override name = 'VerifierError';
  readonly log: string;
  readonly truncated: boolean;
  constructor(
    errno: number,
    message: string,
    log: string,
    truncated: boolean,
    options: BpfkitErrorOptions = {},
  ) {
    super('BPF_PROG_LOAD', errno, message, options);
    Object.defineProperty(this, 'code', { value: 'VERIFIER' });
    this.log = log;
    this.truncated = truncated;
  }
}

/** The running kernel lacks a feature; `feature` names it. */
export class NotSupportedError extends BpfkitError {
  override name = 'NotSupportedError';
  readonly feature: string;
  constructor(feature: string, message?: string, options: BpfkitErrorOptions = {}) {
    super('NOT_SUPPORTED', message ?? `${feature} is not supported by the running kernel`, options);
    this.feature = feature;
  }
}

/** An existing pin does not match the map that would reuse it. */
export class PinConflictError extends BpfkitError {
  override name = 'PinConflictError';
  constructor(message: string, options: BpfkitErrorOptions = {}) {
    super('PIN_CONFLICT', message, options);
  }
}

/** A name given by the user (map, program, variable, path) does not exist. */
export class NotFoundError extends BpfkitError {
  override name = 'NotFoundError';
  constructor(message: string, options: BpfkitErrorOptions = {}) {
    super('NOT_FOUND', message, options);
  }
}

/** The caller asked for something impossible (bad option, wrong argument). */
export class UsageError extends BpfkitError {
  override name = 'UsageError';
  constructor(message: string, options: BpfkitErrorOptions = {}) {
    super('USAGE', message, options);
  }
}

const errorNames = new Set([
  'BpfkitError',
  'ElfError',
  'BtfError',
  'MapDefinitionError',
  'ProgramDefinitionError',
  'RelocationError',
  'KernelError',
  'PermissionError',
  'VerifierError',
  'NotSupportedError',
  'PinConflictError',
  'NotFoundError',
  'UsageError',
]);

/** True for any error of this hierarchy, even one thrown by another copy of the package. */
export function isBpfkitError(error: unknown): error is BpfkitError {
  return (
    error instanceof BpfkitError || (error instanceof Error && errorNames.has(error.name) && 'code' in error)
  );
}

/**
 * Adds one phrase of context as an error passes up ("load maps", "map counters"), the way
 * cilium/ebpf wraps errors, and merges location fields the inner error did not know. An empty
 * phrase only adds the location (when the location already names the thing).
 */
export function withContext<T>(phrase: string, location: ErrorLocation, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw addContext(error, phrase, location);
  }
}

export async function withContextAsync<T>(
  phrase: string,
  location: ErrorLocation,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw addContext(error, phrase, location);
  }
}

export function addContext(error: unknown, phrase: string, location: ErrorLocation = {}): unknown {
  if (!isBpfkitError(error)) return error;
  if (phrase) error.message = `${phrase}: ${error.message}`;
  const loc = error.location as ErrorLocation;
  for (const [key, value] of Object.entries(location) as [keyof ErrorLocation, never][]) {
    if (loc[key] === undefined) loc[key] = value;
  }
  return error;
}

export function formatLocation(location: ErrorLocation): string {
  const parts: string[] = [];
  if (location.object) parts.push(location.object);
  if (location.section) parts.push(`section ${location.section}`);
  if (location.program) parts.push(`program ${location.program}`);
  if (location.map) parts.push(`map ${location.map}`);
  if (location.symbol) parts.push(`symbol ${location.symbol}`);
  if (location.instruction !== undefined) parts.push(`insn ${location.instruction}`);
  if (location.field) parts.push(`field ${location.field}`);
  if (location.typeId !== undefined) parts.push(`type id ${location.typeId}`);
  if (location.byteOffset !== undefined) parts.push(`offset 0x${location.byteOffset.toString(16)}`);
  if (location.source) parts.push(`${location.source.file}:${location.source.line}`);
  return parts.join(', ');
}
