#!/usr/bin/env node
// The command's code as a few chunks instead of ~300 ES modules: Node 20 loads each module on
// its own (resolve, read, compile, link), which was over half of a `bpfkit load` (0.57 s against
// 0.36 s bundled). npm runs this before packing (prepack) and removes the bundle after (postpack),
// so only the published package holds one and a checkout always runs dist; bin/bpfkit.js runs
// the bundle only from an installed package (see there).
// Usage: node scripts/bundle-cli.mjs [--remove] [--out DIR]   (default DIR: the package's bundle/)
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bundles dist/main.js and everything it imports (every @bpfkit package, rxjs) into `outDir`, as
 * chunks the commands load on demand. Left as imports: Node's builtins; koffi, whose native
 * binary is found next to its own files; tsyringe and reflect-metadata (both declared by this
 * package). The @bpfkit packages stay installed beside it: kernel-backend's native addons are
 * found through that package (linux/libc.ts).
 */
export async function bundleCli(outDir = join(cli, 'bundle')) {
  const { rolldown } = await import('rolldown');
  const bundle = await rolldown({
    input: join(cli, 'dist/main.js'),
    platform: 'node',
    external: [/^node:/, /^koffi(\/|$)/, /^tsyringe(\/|$)/, /^reflect-metadata(\/|$)/],
    // the compiled code, never the `source` condition's TypeScript
    resolve: { conditionNames: ['node', 'import', 'default'] },
    logLevel: 'warn',
  });
  try {
    rmSync(outDir, { recursive: true, force: true });
    await bundle.write({ dir: outDir, format: 'esm' });
  } finally {
    await bundle.close();
  }
  return join(outDir, 'main.js');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const out = args.includes('--out') ? resolve(args[args.indexOf('--out') + 1]) : join(cli, 'bundle');
  if (args.includes('--remove')) rmSync(out, { recursive: true, force: true });
  // stderr: npm pack --json prints its report on stdout, after this
  else console.error(`bpfkit: bundled the command into ${await bundleCli(out)}`);
}
