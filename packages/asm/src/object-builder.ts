import {
  type FunctionSpec,
  type Instruction,
  instructionAt,
  LD_IMM64_CODE,
  type MapPinning,
  type MapSpec,
  type ObjectSpec,
  ProgramDefinitionError,
  type ProgramRelocation,
  type ProgramSpec,
  ProgramType,
  PseudoCall,
  parseSectionName,
  RelocationError,
  streamFromInstructions,
  streamReferences,
  UsageError,
} from '@bpfkit/core';
import { type BuiltProgram, ProgramBuilder } from './builder.js';
import { type ByteOrder, nativeByteOrder } from './byte-order.js';

export interface ObjectBuilderOptions {
  /** the "license" section's string; default 'GPL' */
  license?: string;
  /** byte order the spec declares; default: the machine's, since built programs go to this kernel */
  byteOrder?: ByteOrder;
  /** the "version" section's u32 (only old kprobe loaders cared); default 0 */
  kernelVersion?: number;
  /** raw .BTF / .BTF.ext bytes, passed through untouched */
  btf?: Uint8Array;
  btfExt?: Uint8Array;
}

/** What addMap() takes: a MapSpec without its source; flags and pinning may be left out. */
export type MapDefinition = Omit<MapSpec, 'source' | 'flags' | 'pinning'> & {
  flags?: number;
  pinning?: MapPinning;
};

export interface AddProgramOptions {
  /** overrides what the section says (a leading '?' turns autoload off, as in libbpf) */
  autoload?: boolean;
}

export interface AddFunctionOptions {
  /** STB_GLOBAL in an ELF object; default false, as for a `static` C function */
  global?: boolean;
}

const CALL_CODE = 0x85; // BPF_JMP | BPF_CALL
const TEXT_SECTION = '.text';

/**
 * Composes programs written with ProgramBuilder into an ObjectSpec of the same shape the ELF
 * collectors produce, so a built object goes through the normal load pipeline: the "objects built
 * in code" of the design notes, with ELF open as the other front end.
 *
 * Layout mirrors an ELF object: functions are laid out one after another in '.text', programs in
 * their section, so sectionOffset is the byte offset the code would have there (0 for the first).
 */
export class ObjectBuilder {
  readonly name: string;
  readonly #options: ObjectBuilderOptions;
  readonly #maps: MapSpec[] = [];
  readonly #programs: ProgramSpec[] = [];
  readonly #functions: FunctionSpec[] = [];
  /** bytes of code laid out so far in each section */
  readonly #sectionSizes = new Map<string, number>();

  constructor(name: string, options: ObjectBuilderOptions = {}) {
    if (name === '')
      throw new UsageError('an object needs a name', { hint: 'e.g. new ObjectBuilder("filter")' });
    this.name = name;
    this.#options = options;
  }

  /** Declares a map; relocations reach it by name. Returns a copy of the spec it added. */
  addMap(definition: MapDefinition): MapSpec {
    const location = { object: this.name, map: definition.name };
    if (this.#maps.some((m) => m.name === definition.name)) {
      throw new UsageError(`map ${definition.name} is declared twice`, { location });
    }
    for (const field of ['type', 'keySize', 'valueSize', 'maxEntries'] as const) {
      const value = definition[field];
      if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
        throw new UsageError(`map ${definition.name}: ${field} ${value} is not a u32`, {
          location: { ...location, field },
        });
      }
    }
    const { flags = 0, pinning = { kind: 'none' }, ...rest } = definition;
    const spec: MapSpec = {
      ...structuredClone(rest),
      flags,
      pinning: { ...pinning },
      source: { format: 'builder', section: '', sectionIndex: -1, offset: 0 },
    };
    this.#maps.push(spec);
    return structuredClone(spec);
  }

  /**
   * Adds an entry program. Its type, expected attach type, attach target and flags come from
   * `section` through libbpf's SEC() table, exactly as the ELF program collector reads them; a
   * section the table does not know leaves the type UNSPEC (load refuses it, naming the section).
   */
  addProgram(
    name: string,
    section: string,
    code: BuiltProgram | ProgramBuilder,
    options: AddProgramOptions = {},
  ): ProgramSpec {
    if (section === TEXT_SECTION || section === '') {
      throw new UsageError(`program ${name} cannot live in section "${section}"`, {
        location: { object: this.name, program: name },
        hint: `.text holds functions (addFunction); give the program a SEC() name such as "xdp" or "socket"`,
      });
    }
    const fn = this.#place(name, section, code, true);
    const parsed = parseSectionName(section);
    const program: ProgramSpec = {
      ...fn,
      type: parsed?.programType ?? ProgramType.UNSPEC,
      expectedAttachType: parsed?.expectedAttachType ?? 0,
      attachTarget: parsed?.attachTarget ?? '',
      flags: parsed?.flags ?? 0,
      license: this.#license(),
      kernelVersion: this.#options.kernelVersion ?? 0,
      autoload: options.autoload ?? parsed?.autoload ?? !section.startsWith('?'),
    };
    this.#programs.push(program);
    return structuredClone(program);
  }

  /** Adds a callable function (a bpf-to-bpf call or callback target), placed in '.text'. */
  addFunction(
    name: string,
    code: BuiltProgram | ProgramBuilder,
    options: AddFunctionOptions = {},
  ): FunctionSpec {
    const fn = this.#place(name, TEXT_SECTION, code, options.global ?? false);
    this.#functions.push(fn);
    return structuredClone(fn);
  }

  /**
   * The finished spec, a deep copy (the builder can go on). Checks what the relocator would
   * otherwise find only at load: every relocation names a declared map or function and sits on
   * an instruction of the right kind.
   */
  build(): ObjectSpec {
    const code = [...this.#programs, ...this.#functions];
    for (const fn of code) this.#checkRelocations(fn);
    const spec: ObjectSpec = {
      name: this.name,
      byteOrder: this.#options.byteOrder ?? nativeByteOrder,
      license: this.#license(),
      kernelVersion: this.#options.kernelVersion ?? 0,
      programs: this.#programs,
      functions: this.#functions,
      maps: this.#maps,
    };
    if (this.#options.btf) spec.btf = this.#options.btf;
    if (this.#options.btfExt) spec.btfExt = this.#options.btfExt;
    return structuredClone(spec);
  }

  #license(): string {
    return this.#options.license ?? 'GPL';
  }

  #place(name: string, section: string, code: BuiltProgram | ProgramBuilder, global: boolean): FunctionSpec {
    const location = { object: this.name, section, program: name };
    if (name === '') throw new UsageError('a program or function needs a name', { location });
    if ([...this.#programs, ...this.#functions].some((f) => f.name === name)) {
      // The loader links calls by name, programs and functions alike, so names are unique.
      throw new UsageError(`${name} is added twice`, {
        location,
        hint: 'programs and functions share one namespace',
      });
    }
    const built = code instanceof ProgramBuilder ? code.build() : structuredClone(code);
    if (built.instructions.length === 0) {
      throw new ProgramDefinitionError(`${name} has no instructions`, { location });
    }
    for (const relocation of built.relocations) {
      if (
        Number.isInteger(relocation.instruction) &&
        relocation.instruction >= 0 &&
        relocation.instruction < built.instructions.length
      )
        continue;
      throw new RelocationError(
        `${relocation.kind} relocation points at instruction ${relocation.instruction}, outside the code`,
        {
          location: { ...location, instruction: relocation.instruction },
          hint: `${name} has ${built.instructions.length} instruction slots`,
        },
      );
    }
    const sectionOffset = this.#sectionSizes.get(section) ?? 0;
    this.#sectionSizes.set(section, sectionOffset + built.instructions.length * 8);
    // The same stream the ELF reader makes: references on their instructions; labels kept, so
    // edits between build and load can name their place.
    const instructions = streamFromInstructions(
      built.instructions,
      this.#options.byteOrder ?? nativeByteOrder,
      {
        references: built.relocations.map(
          ({ instruction, ...reference }) => [instruction, reference] as const,
        ),
        labels: built.labels.map((label) => [label.name, label.instruction] as const),
      },
    );
    return { name, section, sectionOffset, instructions, global };
  }

  #checkRelocations(fn: FunctionSpec): void {
    const maps = new Map(this.#maps.map((m) => [m.name, m]));
    const callable = new Set([...this.#programs, ...this.#functions].map((f) => f.name));
    for (const relocation of streamReferences(fn.instructions)) {
      const location = {
        object: this.name,
        section: fn.section,
        program: fn.name,
        instruction: relocation.instruction,
      };
      const insn = instructionAt(fn.instructions, relocation.instruction);
      const expected = expectedInstruction(relocation);
      if (!expected.matches(insn)) {
        throw new RelocationError(`${relocation.kind} relocation is not on ${expected.what}`, {
          location,
          hint: 'relocations must come from ProgramBuilder (ldMapFd, ldMapValue, ldFunction, callFunction)',
        });
      }
      switch (relocation.kind) {
        case 'map-fd':
        case 'map-value': {
          const map = maps.get(relocation.map);
          if (!map) {
            throw new RelocationError(`references map ${relocation.map}, which is not declared`, {
              location: { ...location, map: relocation.map },
              hint: `maps: ${[...maps.keys()].join(', ') || 'none'}; declare it with addMap()`,
            });
          }
          if (relocation.kind === 'map-value' && relocation.offset >= map.valueSize) {
            throw new RelocationError(
              `points at byte ${relocation.offset} of map ${map.name}, whose value has ${map.valueSize} bytes`,
              { location: { ...location, map: map.name } },
            );
          }
          break;
        }
        case 'call':
        case 'func-pointer':
          if (!callable.has(relocation.function)) {
            throw new RelocationError(`calls ${relocation.function}, which is not added`, {
              location: { ...location, symbol: relocation.function },
              hint: `functions: ${[...callable].join(', ')}; add it with addFunction()`,
            });
          }
          break;
        case 'extern':
          // Resolved against kernel BTF or kconfig at load; nothing in the object to check.
          break;
      }
    }
  }
}

function expectedInstruction(relocation: ProgramRelocation): {
  what: string;
  matches: (insn: Instruction) => boolean;
} {
  switch (relocation.kind) {
    case 'call':
      return {
        what: 'a bpf-to-bpf call',
        matches: (insn) => insn.code === CALL_CODE && insn.src === PseudoCall.CALL,
      };
    case 'extern':
      return {
        what: 'a 64-bit load or a kfunc call',
        matches: (insn) => insn.code === LD_IMM64_CODE || insn.code === CALL_CODE,
      };
    default:
      return { what: 'a 64-bit load (ld_imm64)', matches: (insn) => insn.code === LD_IMM64_CODE };
  }
}
