// What every command takes and what it means: the source of both the parser's options and the
// --help text. This module imports nothing heavy; each command's code is loaded with `await
// import()` only when it runs, so `bpfkit --help` starts about as fast as node itself.
import type { Io } from './io.js';
import type { LoaderFactory } from './loader-factory.js';

export interface OptionDef {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** the value's placeholder in help ("DIR", "NAME=PINPATH") */
  arg?: string;
  /** one line */
  help: string;
}

/** What a command's code receives once its arguments parsed. */
export interface CommandInput {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  io: Io;
  verbose: boolean;
  makeLoader: LoaderFactory | undefined;
  /** ends `bpfkit run`; undefined: SIGINT or SIGTERM */
  stop: AbortSignal | undefined;
}

export type CommandRun = (input: CommandInput) => Promise<number>;

export interface CommandDef {
  /** "inspect", "map dump" */
  name: string;
  /** the positional arguments, as usage shows them */
  args: string;
  summary: string;
  options: Record<string, OptionDef>;
  examples?: string[];
  run: () => Promise<CommandRun>;
}

const json: OptionDef = { type: 'boolean', help: 'print JSON instead of text' };
const format: OptionDef = {
  type: 'string',
  arg: 'F',
  help: 'map definition format: auto (default), libbpf, legacy, iproute2, bcc',
};
const sets: OptionDef = {
  type: 'string',
  multiple: true,
  arg: 'VAR=VALUE',
  help: "a global variable's initial value (JSON, 123n for 64-bit); repeatable",
};
const maxEntries: OptionDef = {
  type: 'string',
  multiple: true,
  arg: 'MAP=N',
  help: "a map's max_entries; repeatable",
};
const pinRoot: OptionDef = {
  type: 'string',
  arg: 'DIR',
  help: 'where maps with pinning by name are pinned (default /sys/fs/bpf)',
};

export const COMMANDS: readonly CommandDef[] = [
  {
    name: 'inspect',
    args: '<obj>',
    summary: 'sections, programs, maps, variables and relocations of an object, without the kernel',
    options: {
      json,
      format,
      btf: {
        type: 'string',
        arg: 'PATH',
        help: "BTF that CO-RE relocations resolve against (default: the kernel's)",
      },
    },
    examples: ['bpfkit inspect fixtures/legacy_xdp.bpfel.o', 'bpfkit inspect prog.bpf.o --json'],
    run: async () => (await import('./commands/inspect-command.js')).inspectCommand,
  },
  {
    name: 'load',
    args: '<obj>',
    summary: 'load every autoload program and its maps into the kernel (bpftool prog loadall)',
    options: {
      'pin-dir': { type: 'string', arg: 'DIR', help: 'pin each program at DIR/<program name>' },
      'pin-root': pinRoot,
      format,
      map: {
        type: 'string',
        multiple: true,
        arg: 'NAME=PINPATH',
        help: 'use the map pinned at PINPATH instead of creating map NAME; repeatable',
      },
      set: sets,
      'set-max-entries': maxEntries,
      btf: { type: 'string', arg: 'PATH', help: "BTF that CO-RE relocates against (default: the kernel's)" },
      'dry-run': { type: 'boolean', help: 'run the whole load against the simulated kernel' },
      'log-level': { type: 'string', arg: 'N', help: 'verifier log level, 0 to 7' },
      json,
    },
    examples: [
      'bpfkit load fixtures/legacy_sockfilter.bpfel.o --dry-run',
      'bpfkit load prog.bpf.o --pin-dir /sys/fs/bpf/prog',
    ],
    run: async () => (await import('./commands/load-command.js')).loadCli,
  },
  {
    name: 'disasm',
    args: '<obj>',
    summary: 'disassemble programs and functions, with helper names and relocations',
    options: {
      prog: { type: 'string', arg: 'NAME', help: 'only this program' },
      format,
    },
    examples: ['bpfkit disasm fixtures/legacy_xdp.bpfel.o --prog drop_blocked_udp'],
    run: async () => (await import('./commands/disasm.js')).disasmCli,
  },
  {
    name: 'run',
    args: '<obj>',
    summary: 'load, attach, print ring/perf buffer events; maps and variables at exit',
    options: {
      prog: { type: 'string', multiple: true, arg: 'NAME', help: 'attach only this program; repeatable' },
      duration: { type: 'string', arg: 'S', help: 'stop after S seconds (default: Ctrl-C or SIGTERM)' },
      'max-buffer': {
        type: 'string',
        arg: 'MIB',
        help: 'unwritten output held behind a slow stdout reader before records drop (default: 8)',
      },
      set: sets,
      'set-max-entries': maxEntries,
      'event-type': {
        type: 'string',
        arg: 'STRUCT',
        help: 'the struct records decode as (default: struct event)',
      },
      'pin-root': pinRoot,
      format,
      json: { type: 'boolean', help: 'one JSON object per event, and a summary line at exit' },
    },
    examples: ['bpfkit run apps/cli/src/fixtures/exec_events.bpfel.o --duration 5'],
    run: async () => (await import('./commands/run-command.js')).runCli,
  },
  {
    name: 'gen types',
    args: '<obj>',
    summary: 'a typed TypeScript module for the object (maps, variables, events, load())',
    options: {
      out: { type: 'string', short: 'o', arg: 'FILE.ts', help: 'write the module there (default: stdout)' },
      format,
    },
    examples: ['bpfkit gen types fixtures/global_vars.bpfel.o -o global_vars.ts'],
    run: async () => (await import('./commands/gen-types.js')).genTypesCli,
  },
  {
    name: 'prog list',
    args: '',
    summary: 'every program in the kernel (bpftool prog list)',
    options: { json },
    run: async () => (await import('./commands/prog.js')).progListCli,
  },
  {
    name: 'prog show',
    args: '<id|name|pin>',
    summary: 'one program, or every program of that name (bpftool prog show)',
    options: { json },
    examples: ['bpfkit prog show 42 --json', 'bpfkit prog show drop_blocked_udp'],
    run: async () => (await import('./commands/prog.js')).progShowCli,
  },
  {
    name: 'map list',
    args: '',
    summary: 'every map in the kernel (bpftool map list)',
    options: { json },
    run: async () => (await import('./commands/map-list.js')).mapListCli,
  },
  {
    name: 'map show',
    args: '<id|name|pin>',
    summary: 'one map, or every map of that name (bpftool map show)',
    options: { json },
    run: async () => (await import('./commands/map-list.js')).mapShowCli,
  },
  {
    name: 'map dump',
    args: '<id|pin>',
    summary: 'every entry, decoded with the BTF the kernel holds for the map',
    options: { json },
    run: async () => (await import('./commands/map.js')).mapCli('dump'),
  },
  {
    name: 'map lookup',
    args: '<id|pin> KEY',
    summary: 'one entry; KEY is hex bytes ("01 00 00 00"), or a number/JSON with BTF',
    options: { json },
    run: async () => (await import('./commands/map.js')).mapCli('lookup'),
  },
  {
    name: 'map update',
    args: '<id|pin> KEY VALUE',
    summary: 'write one entry (per-CPU maps: on every CPU)',
    options: { json },
    run: async () => (await import('./commands/map.js')).mapCli('update'),
  },
  {
    name: 'link',
    args: '<out.o> <in.o>...',
    summary: 'link BPF objects into one, externs resolved between them (bpftool gen object)',
    options: {},
    examples: ['bpfkit link out.o a.o b.o'],
    run: async () => (await import('./commands/link.js')).linkCli,
  },
  {
    name: 'link list',
    args: '',
    summary: 'every BPF link in the kernel (bpftool link list)',
    options: { json },
    run: async () => (await import('./commands/link-list.js')).linkListCli,
  },
];

/** Options every command takes. */
export const COMMON_OPTIONS: Record<string, OptionDef> = {
  verbose: { type: 'boolean', short: 'v', help: 'informational messages, whole verifier logs, stacks' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
};

/** Commands with sub-commands ("map dump"): the first word. */
export function commandGroups(): string[] {
  return [...new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]!))];
}
