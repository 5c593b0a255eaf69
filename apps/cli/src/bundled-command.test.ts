import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The published package runs the command from a bundle that npm makes before packing
// (scripts/bundle-cli.mjs, from dist). Made here into a directory inside the repository's
// node_modules, so that koffi and @bpfkit/kernel-backend resolve from it as from an installed
// package, and run as the package's bin/bpfkit.js runs it. That it finds kernel-backend's native
// addons from there is checked where it loads into the kernel: scripts/pack-install-check.mjs.
const cli = new URL('..', import.meta.url).pathname;
const root = join(cli, '../..');
const object = join(root, 'fixtures/global_vars.bpfel.o');
const out = mkdtempSync(join(root, 'node_modules/.bpfkit-bundle-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Bundles dist into `out` once, with a runner that does what bin/bpfkit.js does with a bundle. */
function bundled(): string {
  const runner = join(out, 'run.mjs');
  if (!existsSync(runner)) {
    execFileSync(process.execPath, [join(cli, 'scripts/bundle-cli.mjs'), '--out', out], { stdio: 'ignore' });
    writeFileSync(
      runner,
      "import { main } from './main.js';\nprocess.exitCode = await main(process.argv.slice(2));\n",
    );
  }
  return runner;
}

/** stdout of `bpfkit inspect --json` run from the bundle, and the ES modules the process loaded. */
function inspectFromBundle(): { stdout: string; modules: string[] } {
  const loads = join(out, `loads-${process.pid}-${Date.now()}.txt`);
  const stdout = execFileSync(
    process.execPath,
    ['--import', join(cli, 'scripts/record-loads.mjs'), bundled(), 'inspect', object, '--json'],
    { encoding: 'utf8', env: { ...process.env, BPFKIT_RECORD_LOADS: loads } },
  );
  const lines = readFileSync(loads, 'utf8').trim().split('\n');
  const modules = lines.filter((l) => l.startsWith('module ')).map((l) => l.slice('module '.length));
  return { stdout, modules };
}

describe('the bundled command', () => {
  it('prints what the command run from dist prints', () => {
    const fromDist = execFileSync(
      process.execPath,
      [join(cli, 'bin/bpfkit.js'), 'inspect', object, '--json'],
      {
        encoding: 'utf8',
      },
    );
    const { stdout } = inspectFromBundle();
    expect(JSON.parse(stdout).programs.length).toBeGreaterThan(0);
    expect(stdout).toBe(fromDist);
  });

  it("loads its chunks and no module of an @bpfkit package's dist", () => {
    const { modules } = inspectFromBundle();
    expect(modules).toContain(new URL(`file://${join(out, 'main.js')}`).href);
    expect(modules.filter((url) => /\/packages\/[^/]+\/dist\/|\/@bpfkit\//.test(url))).toEqual([]);
    // the bundle's chunks, the runner and the loader hook: tens, where dist is ~300 modules
    expect(modules.length).toBeLessThan(40);
  });
});
