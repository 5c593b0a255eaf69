import type { Btf } from '@bpfkit/btf';
import { type MapSpec, type ObjectSpec, type Stage, type Token, token } from '@bpfkit/core';
import type { Attacher, KernelBackend } from '@bpfkit/kernel-backend';
import type { LiveMap } from '../live/live-map.js';
import type { LiveProgram } from '../live/live-program.js';
import type { PreparedExterns } from './externs.js';
import type { KernelFeatures } from './kernel-features.js';
import type { LoadedBtf } from './load-btf.js';
import type { LoadContext } from './load-context.js';
import type { RelocatedProgram } from './load-programs.js';

/** A load-time stage: a typed input, a typed output, the load's context. */
export type LoadStage<I, O> = Stage<I, O, LoadContext>;

export interface ExternsInput {
  /** the object's BTF as opened (undefined without .BTF) */
  readonly objectBtf: Btf | undefined;
  readonly features: KernelFeatures;
}

export interface BtfInput {
  /** the BTF to load: the object's, with extern DATASECs laid out when there are externs */
  readonly btf: Btf | undefined;
  readonly features: KernelFeatures;
}

export interface CreateMapsInput {
  /** the spec's maps plus those the load adds (the .kconfig map) */
  readonly maps: readonly MapSpec[];
  readonly btf: LoadedBtf | undefined;
  readonly features: KernelFeatures;
}

export interface RelocateInput {
  readonly maps: ReadonlyMap<string, LiveMap>;
  readonly btf: LoadedBtf | undefined;
  readonly externs: PreparedExterns | undefined;
}

export interface LoadProgramsInput {
  readonly relocated: readonly RelocatedProgram[];
  readonly maps: ReadonlyMap<string, LiveMap>;
  readonly btf: LoadedBtf | undefined;
}

export interface FillSlotsInput {
  readonly maps: ReadonlyMap<string, LiveMap>;
  readonly programs: ReadonlyMap<string, LiveProgram>;
}

/**
 * The load and attach phases' replaceable stages, in the order the load runs them. A plugin
 * replaces one with registerValue, or wraps the current one with wrapStage (to act before or after
 * it, or instead of it for some inputs); attachers are an ordered list, placed like map collectors.
 */
export const LoadTokens = {
  /** the one interface every syscall goes through (Linux, or the simulated kernel for dry runs) */
  KernelBackend: token<KernelBackend>('kernel backend'),
  /** spec -> what the running kernel supports (memoized probes) */
  ProbeFeatures: token<LoadStage<ObjectSpec, KernelFeatures>>('probe kernel features'),
  /** .kconfig, .ksyms and kfunc externs resolved on the running kernel */
  ResolveExterns: token<LoadStage<ExternsInput, PreparedExterns | undefined>>('resolve externs'),
  /** the object's BTF sanitized for the kernel and loaded (optional, as in libbpf) */
  LoadBtf: token<LoadStage<BtfInput, LoadedBtf | undefined>>('load btf'),
  /** maps created, reused from pins or replaced, filled with initial data, frozen, pinned */
  CreateMaps: token<LoadStage<CreateMapsInput, Map<string, LiveMap>>>('create maps'),
  /** each selected program linked with its subprograms and relocated: CO-RE, externs, maps, data */
  RelocatePrograms: token<LoadStage<RelocateInput, RelocatedProgram[]>>('relocate programs'),
  /** relocated programs loaded (PROG_LOAD with func/line info), the read-only data map bound */
  LoadPrograms: token<LoadStage<LoadProgramsInput, Map<string, LiveProgram>>>('load programs'),
  /** PROG_ARRAY and map-in-map slots the spec names, filled with fds */
  FillSlots: token<LoadStage<FillSlotsInput, void>>('fill map slots'),
  /** struct_ops maps' values built from the kernel's types, with their programs' fds in place */
  PrepareStructOps: token<LoadStage<FillSlotsInput, void>>('prepare struct_ops'),
  /** how each kind of program attaches; the first that accepts a program attaches it */
  Attachers: token<readonly Attacher[]>('attachers'),
} as const satisfies Record<string, Token<unknown>>;
