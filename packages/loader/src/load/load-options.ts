import type { OptionDescriptions, ProgramSpec } from '@bpfkit/core';
import type { Fd } from '@bpfkit/kernel-backend';
import type { FreplaceTarget } from './freplace-target.js';

/** Options the default load stages read. Plugins declare the keys their own stages read. */
export interface LoadOptions {
  /** root of LIBBPF_PIN_BY_NAME pins (default /sys/fs/bpf) */
  pinRoot?: string;
  /** existing maps to use instead of creating the spec's maps of the same name */
  mapReplacements?: ReadonlyMap<string, Fd>;
  /** the BTF CO-RE relocations and externs resolve against (a btfhub-style file); default the running kernel's */
  btfPath?: string;
  /** verifier log level for every load (0: only on failure) */
  logLevel?: number;
  /** which programs to load; default: those with autoload set */
  select?: (program: ProgramSpec) => boolean;
  /** CONFIG_* values that win over the running kernel's config ("y", "m", "n", numbers, strings) */
  kconfig?: Record<string, string>;
  /** freplace programs, by name: the loaded program and function each replaces */
  attachTargets?: Readonly<Record<string, FreplaceTarget>>;
}

/** The keys of LoadOptions with a line each, for the error that an unknown key gets. */
export const loadOptionDescriptions: OptionDescriptions<LoadOptions> = {
  pinRoot: 'root of pin-by-name pins (default /sys/fs/bpf)',
  mapReplacements: 'existing maps (by name) used instead of creating them',
  btfPath: 'the BTF that CO-RE and externs resolve against',
  logLevel: 'verifier log level for every program load',
  select: 'which programs to load (default: those with autoload set)',
  kconfig: 'CONFIG_* values that win over the running kernel config',
  attachTargets: 'freplace programs by name: the program fd and function each replaces',
};
