import { encodeInstructions } from '@bpfkit/asm';
import { type Btf, loadKernelBtf } from '@bpfkit/btf';
import {
  type FuncInfo,
  type FunctionSpec,
  type Instruction,
  knownSectionPrefixes,
  type LineInfo,
  type ObjectSpec,
  ProgramDefinitionError,
  type ProgramSpec,
  ProgramType,
  RelocationError,
  UsageError,
  VerifierError,
  withContext,
} from '@bpfkit/core';
import type { Fd, KernelBackend } from '@bpfkit/kernel-backend';
import {
  type CoreRelocationResult,
  describePoisonedRelocation,
  encodeFuncInfo,
  encodeLineInfo,
  FUNC_INFO_SIZE,
  findPoisonedRelocation,
  LINE_INFO_SIZE,
  linkProgram,
  type MapFdLookup,
  relocateCore,
  resolveExterns,
  resolveMapRelocations,
} from '@bpfkit/relocator';
import type { LiveMap } from '../live/live-map.js';
import { LiveProgram } from '../live/live-program.js';
import { attachBtfId } from './attach-btf.js';
import type { PreparedExterns } from './externs.js';
import { type FreplaceTarget, freplaceTarget } from './freplace-target.js';
import type { LoadedBtf } from './load-btf.js';
import type { LoadResources } from './resources.js';
import {
  droppedStructOpsPrograms,
  isStructOpsProgram,
  structOpsLayouts,
  structOpsProgramTarget,
} from './struct-ops.js';
import type { StructOpsLayout } from './struct-ops-value.js';
import { addSourceLine } from './verifier-source.js';

export interface LoadProgramsOptions {
  /** the BTF CO-RE relocations resolve against (a btfhub-style file); default the running kernel's */
  btfPath?: string;
  /** verifier log level for every load (0: only on failure) */
  logLevel?: number;
  /** which programs to load; default: those with autoload set */
  select?: (program: ProgramSpec) => boolean;
  /** freplace programs, by name: the loaded program and function each replaces */
  attachTargets?: Readonly<Record<string, FreplaceTarget>>;
}

/**
 * A program whose section name says no type (libbpf: "missing BPF prog type, check ELF section
 * name"): the error names the section and the SEC() names it may have meant.
 */
export function untypedProgram(program: ProgramSpec): UsageError {
  const known = knownSectionPrefixes(program.section);
  return new UsageError(`section ${program.section} does not say which program type ${program.name} is`, {
    location: { program: program.name, section: program.section },
    hint: `name the section as libbpf's SEC() does (${known.join(', ')}), set the program's type before load, or open with the format that owns the object (--format iproute2 for tc's classifier default)`,
  });
}

/**
 * One program ready for PROG_LOAD: its subprograms appended and every relocation resolved (CO-RE
 * against the kernel's BTF, externs, map and data references), with func/line info at final
 * indices. The relocate stage's output and the load stage's input.
 */
export interface RelocatedProgram {
  readonly program: ProgramSpec;
  readonly instructions: readonly Instruction[];
  readonly funcInfo: readonly FuncInfo[];
  readonly lineInfo: readonly LineInfo[];
  /** what each CO-RE relocation resolved to, to explain a verifier stop at a poisoned one */
  readonly core: readonly CoreRelocationResult[];
}

/** The programs a load takes: the selected ones, or those with autoload set. */
function selectedPrograms(spec: ObjectSpec, options: LoadProgramsOptions): ProgramSpec[] {
  const structOps = spec.programs.some(isStructOpsProgram) ? structOpsLayouts(spec) : undefined;
  const droppedStructOps = structOps ? droppedStructOpsPrograms(structOps) : new Set<string>();
  // Like libbpf, a struct_ops program whose only member the kernel lacks is not loaded.
  const select = options.select ?? ((p: ProgramSpec) => p.autoload && !droppedStructOps.has(p.name));
  const names = new Set<string>();
  return spec.programs.filter((program) => {
    if (!select(program)) return false;
    // the loaded object finds programs by name: a second one of a name would be lost, fd and all
    if (names.has(program.name)) {
      throw new ProgramDefinitionError(`two programs are named "${program.name}"`, {
        location: { program: program.name, section: program.section },
        hint: 'give each program its own name (a corrupt symbol table can also do this)',
      });
    }
    names.add(program.name);
    return true;
  });
}

/**
 * Links and relocates each selected program (libbpf's bpf_object__relocate): the relocator
 * package behind the load's relocate stage. Needs the maps' fds, not the programs'.
 */
export function relocatePrograms(
  spec: ObjectSpec,
  maps: ReadonlyMap<string, LiveMap>,
  options: LoadProgramsOptions,
  btf: LoadedBtf | undefined,
  externs: PreparedExterns | undefined,
): RelocatedProgram[] {
  // libbpf prunes CO-RE candidates per object: one cache shared by the object's programs.
  const candidateCache = new Map<number, number[]>();
  const coreTarget = () => loadKernelBtf(options.btfPath);
  const callable = callableFunctions(spec);
  return selectedPrograms(spec, options).map((program) =>
    withContext('', { program: program.name, section: program.section }, () => {
      if (program.type === ProgramType.UNSPEC) throw untypedProgram(program);
      const linked = linkProgram(program, callable);
      const core =
        linked.coreRelocations.length > 0
          ? relocateCore(
              linked.instructions,
              linked.coreRelocations,
              requireBtf(btf, program),
              coreTarget(),
              {
                program: program.name,
                candidateCache,
              },
            )
          : [];
      const afterExterns = externs
        ? resolveExterns(linked.instructions, linked.relocations, externs.targets, { program: program.name })
        : linked.relocations;
      const rest = resolveMapRelocations(linked.instructions, afterExterns, mapLookup(maps), program.name);
      const unresolved = rest[0];
      if (unresolved) {
        throw new RelocationError(
          `${unresolved.kind} relocation of ${'name' in unresolved ? unresolved.name : '?'} was left unresolved`,
          {
            location: { instruction: unresolved.instruction },
            hint: 'externs need the object BTF (build with -g)',
          },
        );
      }
      const { instructions, funcInfo, lineInfo } = linked;
      return { program, instructions, funcInfo, lineInfo, core };
    }),
  );
}

/** Loads each relocated program (libbpf's bpf_object__load_progs) and binds the read-only data map. */
export function loadPrograms(
  spec: ObjectSpec,
  relocated: readonly RelocatedProgram[],
  maps: ReadonlyMap<string, LiveMap>,
  backend: KernelBackend,
  resources: LoadResources,
  options: LoadProgramsOptions,
  btf: LoadedBtf | undefined,
): Map<string, LiveProgram> {
  const structOps = spec.programs.some(isStructOpsProgram) ? structOpsLayouts(spec) : undefined;
  const live = new Map<string, LiveProgram>();
  // libbpf binds its read-only data map (the last `.rodata*` section's, its rodata_map_idx) to
  // every program, so metadata variables there (bpftool's bpf_metadata_*) stay visible even when
  // the code never reads them.
  const rodataName = spec.maps.filter((m) => m.kind === 'data' && m.name.startsWith('.rodata')).at(-1)?.name;
  const rodata = rodataName === undefined ? undefined : maps.get(rodataName);
  for (const { program, instructions, funcInfo, lineInfo, core } of relocated) {
    withContext('', { program: program.name, section: program.section }, () => {
      // func_info and line_info go with the BTF they index into, as libbpf sends them.
      const withBtf = btf?.fd && funcInfo.length > 0;
      let fd: Fd;
      try {
        fd = backend.loadProgram({
          type: program.type,
          instructions: encodeInstructions(instructions, 'little'),
          license: program.license,
          kernelVersion: program.kernelVersion,
          name: program.name,
          flags: program.flags,
          expectedAttachType: program.expectedAttachType,
          ...attachTarget(program, structOps, options, backend),
          ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
          ...(withBtf
            ? {
                btfFd: btf.fd!.value,
                funcInfo: encodeFuncInfo(funcInfo),
                funcInfoRecSize: FUNC_INFO_SIZE,
                lineInfo: encodeLineInfo(lineInfo),
                lineInfoRecSize: LINE_INFO_SIZE,
              }
            : {}),
        });
      } catch (error) {
        throw explainPoisonedRelocation(addSourceLine(error, lineInfo, btf?.btf), core);
      }
      resources.adopt('program', program.name, fd);
      if (rodata) backend.bindMap(fd, rodata.fd);
      live.set(program.name, new LiveProgram(program, fd, instructions.length, backend));
    });
  }
  return live;
}

/** Live maps by name, or by the section and offset of their definition (maps added between open and load). */
function mapLookup(maps: ReadonlyMap<string, LiveMap>): MapFdLookup {
  return (name, definition) => {
    const byName = maps.get(name);
    if (byName) return byName.fd.value;
    if (!definition) return undefined;
    for (const map of maps.values()) {
      const { sectionIndex, offset } = map.spec.source;
      if (sectionIndex === definition.sectionIndex && offset === definition.offset) return map.fd.value;
    }
    return undefined;
  };
}

function requireBtf(btf: LoadedBtf | undefined, program: ProgramSpec): Btf {
  if (!btf) {
    throw new RelocationError('CO-RE relocations need the object BTF, which is missing', {
      location: { program: program.name },
    });
  }
  return btf.btf;
}

/** A verifier stop at a poisoned CO-RE instruction names the relocation that could not resolve. */
function explainPoisonedRelocation(error: unknown, results: readonly CoreRelocationResult[]): unknown {
  if (!(error instanceof VerifierError)) return error;
  const poisoned = findPoisonedRelocation(error.log, results);
  if (poisoned) {
    error.message += `\n  the failing instruction is an unresolved CO-RE relocation: ${describePoisonedRelocation(poisoned)}`;
    error.location.instruction = poisoned.instruction;
  }
  return error;
}

function attachTarget(
  program: ProgramSpec,
  structOps: ReadonlyMap<string, StructOpsLayout> | undefined,
  options: LoadProgramsOptions,
  backend: KernelBackend,
): { attachBtfId?: number; expectedAttachType?: number; attachProgFd?: number } {
  if (isStructOpsProgram(program)) return structOpsProgramTarget(program, structOps ?? new Map()) ?? {};
  if (program.type === ProgramType.EXT) {
    return freplaceTarget(program, options.attachTargets?.[program.name], backend);
  }
  const id = attachBtfId(program);
  return id === undefined ? {} : { attachBtfId: id };
}

/** Functions a call may reach: .text functions first, then other programs by name. */
function callableFunctions(spec: ObjectSpec): (name: string) => FunctionSpec | undefined {
  const byName = new Map<string, FunctionSpec>();
  for (const program of spec.programs) byName.set(program.name, program);
  for (const fn of spec.functions) byName.set(fn.name, fn);
  return (name) => byName.get(name);
}

/** Writes program and map fds into PROG_ARRAY / map-in-map slots named in the spec's contents. */
export function fillReferenceSlots(
  spec: ObjectSpec,
  maps: ReadonlyMap<string, LiveMap>,
  programs: ReadonlyMap<string, LiveProgram>,
): void {
  for (const mapSpec of spec.maps) {
    const map = maps.get(mapSpec.name);
    if (!map || map.reused) continue;
    for (const entry of mapSpec.contents ?? []) {
      if (!('ref' in entry)) continue;
      const target = entry.ref.kind === 'program' ? programs.get(entry.ref.name) : maps.get(entry.ref.name);
      if (!target) {
        throw new RelocationError(
          `slot of map ${mapSpec.name} names ${entry.ref.kind} ${entry.ref.name}, which was not loaded`,
          {
            location: { map: mapSpec.name },
          },
        );
      }
      const value = new Uint8Array(4);
      new DataView(value.buffer).setUint32(0, target.fd.value, true);
      map.update(entry.key, value);
    }
  }
}
