import { parseArgs } from 'node:util';
import { disassembleProgram } from '@bpfkit/asm';
import {
  instructionCount,
  isBpfkitError,
  type ObjectSpec,
  UsageError,
  type VerifierError,
} from '@bpfkit/core';
import { createLoader, type Loader } from '@bpfkit/loader';
import { compileFilter, type FilterTarget, filterProgramName } from './compile-filter.js';
import { readCounters } from './counters.js';
import { ethernetFrame, parsePacketDescription } from './packet.js';
import { runFilter, type Verdict } from './run-filter.js';

const USAGE = `usage: bpfkit-pfc <command> 'EXPRESSION' [options]

commands:
  compile 'EXPR' [--xdp | --socket] [--disasm] [--json]
        compile a pcap-filter expression; print a summary, the instructions (--disasm) or the
        whole object spec (--json)
  test 'EXPR' --packet 'PACKET' [--packet ...] [--xdp | --socket] [--expect pass|drop] [--json]
        load the filter into the kernel and run it on each packet with BPF_PROG_TEST_RUN

expressions (pcap-filter syntax): ip ip6 tcp udp sctp icmp icmp6, [src|dst] host ADDR,
  [tcp|udp|sctp] [src|dst] port N, portrange N-M, and && or || not ! ( )
packets: 'udp 10.0.0.1:53 > 10.0.0.2:1234', 'tcp [fe80::1]:80 > [fe80::2]:443', 'icmp 10.0.0.1 > 10.0.0.2'
  optionally followed by 'frag N' (IPv4 fragment offset) or 'options N' (IPv4 option words)

exit codes: 0 ok, 1 the kernel refused or a verdict differed from --expect, 2 bad input or usage`;

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

const options = {
  xdp: { type: 'boolean' },
  socket: { type: 'boolean' },
  disasm: { type: 'boolean' },
  json: { type: 'boolean' },
  packet: { type: 'string', multiple: true },
  expect: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs one bpfkit-pfc command and returns its exit code; never throws. */
export async function main(argv: readonly string[], io: Io = defaultIo, loader?: Loader): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      allowPositionals: true,
      strict: true,
    });
    const [command, expression, ...extra] = positionals;
    if (values.help || command === undefined || command === 'help') {
      io.out(USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    if (command !== 'compile' && command !== 'test') {
      throw new UsageError(`unknown command ${command}`, {
        hint: 'commands: compile, test (bpfkit-pfc --help)',
      });
    }
    if (expression === undefined) {
      throw new UsageError(`${command} needs a filter expression`, {
        hint: `e.g. bpfkit-pfc ${command} 'udp port 53'`,
      });
    }
    if (extra.length > 0) {
      throw new UsageError(`unexpected argument ${extra[0]}`, {
        hint: 'quote the expression as one argument',
      });
    }
    if (values.xdp && values.socket) throw new UsageError('choose one of --xdp and --socket');
    const target: FilterTarget = values.socket ? 'socket' : 'xdp';
    const spec = compileFilter(expression, { target });
    if (command === 'compile') {
      io.out(values.json ? JSON.stringify(spec, null, 2) : renderCompiled(spec, values.disasm ?? false));
      return 0;
    }
    const expect = values.expect;
    if (expect !== undefined && expect !== 'pass' && expect !== 'drop') {
      throw new UsageError(`--expect takes pass or drop, not ${expect}`);
    }
    return await runTest(
      spec,
      target,
      expression,
      values.packet ?? [],
      expect,
      values.json ?? false,
      io,
      loader,
    );
  } catch (error) {
    io.err(describeError(error));
    return isBpfkitError(error) && ['KERNEL', 'VERIFIER', 'PERMISSION', 'NOT_SUPPORTED'].includes(error.code)
      ? 1
      : 2;
  }
}

function renderCompiled(spec: ObjectSpec, disasm: boolean): string {
  const lines: string[] = [];
  for (const code of [...spec.programs, ...spec.functions]) {
    const kind = 'type' in code ? `program in section ${code.section}` : 'function';
    lines.push(`${code.name}: ${kind}, ${instructionCount(code.instructions)} instructions`);
    if (disasm) lines.push(disassembleProgram(code.instructions).replace(/^/gm, '  '));
  }
  for (const map of spec.maps) {
    lines.push(`map ${map.name}: array of ${map.maxEntries} u64 (slot 0: passed, slot 1: dropped)`);
  }
  return lines.join('\n');
}

async function runTest(
  spec: ObjectSpec,
  target: FilterTarget,
  expression: string,
  packetTexts: readonly string[],
  expect: Verdict | undefined,
  json: boolean,
  io: Io,
  loader: Loader = createLoader(),
): Promise<number> {
  if (packetTexts.length === 0) {
    throw new UsageError('test needs at least one --packet', {
      hint: "e.g. --packet 'udp 10.0.0.1:53 > 10.0.0.2:1234'",
    });
  }
  // Parse every packet before touching the kernel, so a typo costs no load.
  const frames = packetTexts.map((text) => ({ text, frame: ethernetFrame(parsePacketDescription(text)) }));
  using loaded = await loader.load(spec);
  const program = loaded.program(filterProgramName(target));
  const results = frames.map(({ text, frame }) => ({ packet: text, ...runFilter(program, target, frame) }));
  const counters = readCounters(loaded);
  if (json) {
    io.out(
      JSON.stringify(
        {
          expression,
          target,
          results,
          counters: { passed: Number(counters.passed), dropped: Number(counters.dropped) },
        },
        null,
        2,
      ),
    );
  } else {
    for (const r of results) io.out(`${r.verdict.padEnd(4)}  ${r.packet}`);
    io.out(`counters: passed ${counters.passed}, dropped ${counters.dropped}`);
  }
  const unexpected = expect === undefined ? [] : results.filter((r) => r.verdict !== expect);
  for (const r of unexpected) io.err(`bpfkit-pfc: expected ${expect}, got ${r.verdict}: ${r.packet}`);
  return unexpected.length > 0 ? 1 : 0;
}

function describeError(error: unknown): string {
  if (!isBpfkitError(error)) return `bpfkit-pfc: ${error instanceof Error ? error.message : String(error)}`;
  const lines = [`bpfkit-pfc: ${error.describe()}`];
  if (error.name === 'VerifierError')
    lines.push(...(error as VerifierError).log.trimEnd().split('\n').slice(-20));
  return lines.join('\n');
}
