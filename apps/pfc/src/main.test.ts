import type { ObjectSpec } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';
import { kernelSkipReason } from './testing/kernel.js';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('bpfkit-pfc compile', () => {
  it('prints a summary of the object', async () => {
    const { code, stdout } = await run('compile', 'udp port 53');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^pfc_xdp: program in section xdp, \d+ instructions$/m);
    expect(stdout).toContain('pfc_count: function, 11 instructions');
    expect(stdout).toContain('map pfc_counters: array of 2 u64 (slot 0: passed, slot 1: dropped)');
  });

  it('prints the instructions with --disasm', async () => {
    const { code, stdout } = await run('compile', 'ip', '--socket', '--disasm');
    expect(code).toBe(0);
    expect(stdout).toContain('pfc_socket: program in section socket');
    expect(stdout).toContain('   0: r6 = r1');
    expect(stdout).toContain('r0 = *(u32 *)(r6 + 0x10)'); // skb->protocol
    expect(stdout).toContain('lock *(u64 *)(r0 + 0x0) += r1');
  });

  it('prints the whole spec with --json', async () => {
    const { code, stdout } = await run('compile', 'tcp', '--json');
    expect(code).toBe(0);
    const spec = JSON.parse(stdout) as ObjectSpec;
    expect(spec.programs[0]!.name).toBe('pfc_xdp');
    expect(spec.maps[0]!.source.format).toBe('builder');
  });

  it('points at the column of a syntax error and exits 2', async () => {
    const { code, stderr } = await run('compile', 'tcp port http');
    expect(code).toBe(2);
    expect(stderr).toBe(
      [
        "bpfkit-pfc: filter expression, column 10: 'http' is not a port number",
        '  tcp port http',
        '           ^',
        '  hint: service names are not looked up; write e.g. 53',
      ].join('\n'),
    );
  });

  it.each([
    [['frobnicate', 'tcp'], 'unknown command frobnicate'],
    [['compile'], 'compile needs a filter expression'],
    [['compile', 'tcp', 'port', '80'], 'unexpected argument port'],
    [['compile', 'tcp', '--xdp', '--socket'], 'choose one of --xdp and --socket'],
    [['test', 'tcp'], 'test needs at least one --packet'],
    [['test', 'tcp', '--packet', 'udp 1.2.3.4 > 1.2.3.5:1'], 'udp needs a port'],
    [['compile', 'tcp', '--bogus'], "Unknown option '--bogus'"],
  ])('refuses %j with exit code 2', async (argv, message) => {
    const { code, stderr } = await run(...argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('prints usage for --help', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(0);
    expect(stdout).toContain("compile 'EXPR'");
  });
});

const skip = kernelSkipReason();

describe.skipIf(skip)(`bpfkit-pfc test in the kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const packets = ['--packet', 'udp 10.0.0.1:53 > 10.0.0.2:1234', '--packet', 'tcp 10.0.0.1:1 > 10.0.0.2:80'];

  for (const target of ['--xdp', '--socket']) {
    it(`runs each packet through the loaded filter (${target})`, async () => {
      const { code, stdout } = await run('test', 'udp port 53', target, ...packets);
      expect(code).toBe(0);
      expect(stdout.split('\n')).toEqual([
        'pass  udp 10.0.0.1:53 > 10.0.0.2:1234',
        'drop  tcp 10.0.0.1:1 > 10.0.0.2:80',
        'counters: passed 1, dropped 1',
      ]);
    });
  }

  it('exits 1 when a verdict differs from --expect, naming the packet', async () => {
    const { code, stderr } = await run('test', 'udp', '--expect', 'pass', ...packets);
    expect(code).toBe(1);
    expect(stderr).toBe('bpfkit-pfc: expected pass, got drop: tcp 10.0.0.1:1 > 10.0.0.2:80');
  });

  it('reports as JSON', async () => {
    const { code, stdout } = await run('test', 'tcp', '--json', ...packets);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      expression: 'tcp',
      target: 'xdp',
      results: [
        { packet: 'udp 10.0.0.1:53 > 10.0.0.2:1234', verdict: 'drop', retval: 1 },
        { packet: 'tcp 10.0.0.1:1 > 10.0.0.2:80', verdict: 'pass', retval: 2 },
      ],
      counters: { passed: 1, dropped: 1 },
    });
  });
});
