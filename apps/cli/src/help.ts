import { COMMANDS, COMMON_OPTIONS, type CommandDef, type OptionDef } from './command-table.js';

const EXIT_CODES =
  'exit codes: 0 ok, 1 the kernel refused, 2 bad input or usage, 70 internal error (please report it)';

/** `bpfkit --help`: every command with its one-line summary. */
export function overviewHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => usageHead(c).length));
  return [
    'usage: bpfkit <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${usageHead(c).padEnd(width)}  ${c.summary}`),
    '',
    'options of every command:',
    ...optionLines(COMMON_OPTIONS),
    '  --version        the version of bpfkit',
    '',
    "`bpfkit <command> --help` lists a command's options.",
    EXIT_CODES,
  ].join('\n');
}

/** `bpfkit map --help`: the sub-commands of one group. */
export function groupHelp(group: string): string {
  const members = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  const width = Math.max(...members.map((c) => usageHead(c).length));
  return [
    `usage: bpfkit ${group} <${members.map((c) => c.name.slice(group.length + 1)).join('|')}> ...`,
    '',
    ...members.map((c) => `  ${usageHead(c).padEnd(width)}  ${c.summary}`),
    '',
    `\`bpfkit ${group} <command> --help\` lists a command's options.`,
  ].join('\n');
}

/** `bpfkit <command> --help`: usage, summary, every option with its meaning, examples. */
export function commandHelp(command: CommandDef): string {
  const lines = [`usage: bpfkit ${usageHead(command)} [options]`, '', command.summary, '', 'options:'];
  lines.push(...optionLines({ ...command.options, ...COMMON_OPTIONS }));
  if (command.examples?.length) lines.push('', 'examples:', ...command.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

function usageHead(command: CommandDef): string {
  return command.args ? `${command.name} ${command.args}` : command.name;
}

function optionLines(options: Record<string, OptionDef>): string[] {
  const flags = Object.entries(options).map(([name, o]) => {
    const short = o.short ? `-${o.short}, ` : '';
    const arg = o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : '';
    return [`${short}--${name}${arg}`, o.help] as const;
  });
  const width = Math.max(15, ...flags.map(([flag]) => flag.length));
  return flags.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`);
}
