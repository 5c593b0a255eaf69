import { type OpenOptions, type OptionDescriptions, ProgramType, UsageError } from '@bpfkit/core';
import { DEFAULT_PINNING_FILE } from './pinning-database.js';

/** OpenOptions keys this plugin reads; they win over the options given to iproute2Plugin(). */
export const Iproute2OptionKeys = {
  /** path of the bpf_pinning file (default /etc/iproute2/bpf_pinning) */
  pinningFile: 'iproute2.pinningFile',
  /** the type of programs no SEC() name types: a BPF_PROG_TYPE_* number or a name ('xdp', 'cls') */
  programType: 'iproute2.programType',
} as const;

/** The open() options the iproute2 plugin declares (they win over the options given to iproute2Plugin()). */
export interface Iproute2OpenOptions {
  /** path of the bpf_pinning file */
  'iproute2.pinningFile'?: string;
  /** the type of programs no SEC() name types */
  'iproute2.programType'?: number | string;
}

export const iproute2OpenOptionDescriptions: OptionDescriptions<Iproute2OpenOptions> = {
  'iproute2.pinningFile': 'path of the bpf_pinning file (default /etc/iproute2/bpf_pinning)',
  'iproute2.programType': "the type of programs no SEC() name types ('cls', 'act', 'xdp', a number)",
};

export interface Iproute2Options {
  /** default /etc/iproute2/bpf_pinning */
  pinningFile?: string;
  /** default SCHED_CLS (tc filter); 'xdp' for `ip link ... xdp`, 'act' for tc actions */
  programType?: number | string;
}

export interface ResolvedIproute2Options {
  pinningFile: string;
  programType: number;
}

// iproute2's own type words (__bpf_prog_meta[].type) besides bpfkit's names.
const IPROUTE2_TYPE_WORDS: Record<string, number> = {
  cls: ProgramType.SCHED_CLS,
  classifier: ProgramType.SCHED_CLS,
  act: ProgramType.SCHED_ACT,
  action: ProgramType.SCHED_ACT,
};

/** Open options first, then the plugin's defaults, then iproute2's (tc, /etc/iproute2/bpf_pinning). */
export function resolveOptions(
  open: OpenOptions & Iproute2OpenOptions,
  defaults: Iproute2Options,
): ResolvedIproute2Options {
  const pinningFile = open[Iproute2OptionKeys.pinningFile] ?? defaults.pinningFile ?? DEFAULT_PINNING_FILE;
  if (typeof pinningFile !== 'string') {
    throw new UsageError(`option ${Iproute2OptionKeys.pinningFile} must be a path`);
  }
  const type = open[Iproute2OptionKeys.programType] ?? defaults.programType ?? ProgramType.SCHED_CLS;
  return { pinningFile, programType: parseProgramType(type) };
}

/** 3, 'sched_cls', 'BPF_PROG_TYPE_SCHED_CLS', 'cls' or 'classifier' -> SCHED_CLS. */
export function parseProgramType(value: unknown): number {
  if (typeof value === 'number' && Object.values(ProgramType).includes(value as never) && value !== 0)
    return value;
  if (typeof value === 'string') {
    const word = value.toLowerCase().replace(/^bpf_prog_type_/, '');
    const known = IPROUTE2_TYPE_WORDS[word] ?? ProgramType[word.toUpperCase() as keyof typeof ProgramType];
    if (known !== undefined && known !== ProgramType.UNSPEC) return known;
  }
  throw new UsageError(`option ${Iproute2OptionKeys.programType}: ${String(value)} is no program type`, {
    hint: "use a BPF_PROG_TYPE_* number or a name such as 'sched_cls', 'sched_act', 'xdp', 'cls', 'act'",
  });
}
