import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';

const linkerFixture = (name: string) =>
  new URL(`../../../../packages/linker/fixtures/${name}`, import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'bpfkit-cli-link-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('bpfkit link', () => {
  it("writes one object that inspect shows with both inputs' programs and shared maps", async () => {
    const output = join(work, 'funcs.o');
    const linked = await run(
      'link',
      output,
      linkerFixture('funcs_a.bpfel.o'),
      linkerFixture('funcs_b.bpfel.o'),
    );
    expect(linked).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(output).subarray(0, 4)).toEqual(Buffer.from('\x7fELF', 'latin1'));
    const { code, stdout } = await run('inspect', output, '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.programs.map((p: { name: string }) => p.name)).toEqual(['prog_a', 'prog_b']);
    expect(report.maps.map((m: { name: string }) => m.name)).toEqual(
      expect.arrayContaining(['hits', 'seen']),
    );
  });

  it('fails with exit code 2 naming the symbol and both objects when types disagree', async () => {
    const { code, stderr } = await run(
      'link',
      join(work, 'bad.o'),
      linkerFixture('funcs_a.bpfel.o'),
      linkerFixture('mismatch.bpfel.o'),
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /global set_out_b: funcs_a.bpfel.o declares it as function int \(int\) but mismatch.bpfel.o/,
    );
  });

  it('needs an output and at least one input', async () => {
    const { code, stderr } = await run('link', join(work, 'only.o'));
    expect(code).toBe(2);
    expect(stderr).toMatch(/link takes an output file and at least one input object/);
  });
});
