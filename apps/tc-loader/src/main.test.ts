import { fileURLToPath } from 'node:url';
import { SimulatedKernel } from '@bpfkit/kernel-backend';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';
import { createTcLoader } from './tc-loader.js';

const fixture = fileURLToPath(
  new URL('../../../packages/maps-iproute2/src/fixtures/iproute2_tc.bpfel.o', import.meta.url),
);

/** tc-style words of a command line (paths, which may hold spaces, are passed apart). */
const words = (line: string) => line.split(' ');

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
  const code = await main(argv, io, createTcLoader(new SimulatedKernel()));
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('bpfkit-tc', () => {
  it('prints the usage with --help (exit 0) and without arguments (exit 2)', async () => {
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: bpfkit-tc filter add dev IFACE \(ingress\|egress\) bpf obj FILE/);
    expect((await run()).code).toBe(2);
  });

  it('names the sections it could attach when the one asked for has no program', async () => {
    const { code, stderr } = await run(
      ...words('filter add dev lo ingress bpf obj'),
      fixture,
      ...words('sec ingress pin-root /nonexistent'),
    );
    expect(code).toBe(2);
    expect(stderr).toBe(
      [
        'bpfkit-tc: iproute2_tc, section ingress: no program in section ingress',
        '  hint: sections with programs: 1/0, 1/1, classifier',
      ].join('\n'),
    );
  });

  it('refuses a device that does not exist before loading anything', async () => {
    const { code, stderr } = await run('filter', 'add', 'dev', 'nosuchdev0', 'egress', 'bpf', 'obj', fixture);
    expect(code).toBe(2);
    expect(stderr).toContain('no network interface named nosuchdev0 in this network namespace');
  });

  it('says what is wrong with the words', async () => {
    const { code, stderr } = await run(...words('filter add dev lo ingress bpf obj'), fixture, 'prio', '1');
    expect(code).toBe(2);
    expect(stderr).toContain('bpfkit-tc: unexpected argument prio');
  });
});
