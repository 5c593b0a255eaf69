#!/usr/bin/env node
// Proves the packages install and work outside this repository, as a user gets them:
//  1. packs every package (`npm pack`) into a temporary directory outside the repository;
//  2. with --each, installs each scoped package alone into a fresh project, its @bpfkit/*
//     dependencies served from their tarballs as a registry would serve them (npm `overrides`),
//     third-party ones from the npm cache or registry, and imports it;
//  3. installs `bpfkit` alone the same way into a new project (npm's linked layout, so only direct
//     dependencies are importable), runs `npx bpfkit --version` and `npx bpfkit gen types` there,
//     checks the generated module imports only `bpfkit`, compiles a strict TypeScript program that opens, loads and
//     attaches an object and reads its ring buffer (typed events) and a hash map (typed keys and
//     values), and runs it against the kernel (as root, with tracefs mounted).
// Usage: node scripts/pack-install-check.mjs [--each] [--keep]   (--keep leaves the temporary directory)
import { execFile, execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const each = process.argv.includes('--each');
const work = mkdtempSync(join(tmpdir(), 'bpfkit-pack-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
const started = Date.now();

function step(text) {
  console.log(`== ${text} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function run(command, args, cwd, options = {}) {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    ...options,
  });
}

/** Like run, without blocking: rejects with the command's output when it fails. */
function runAsync(command, args, cwd, what) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${what}: ${command} ${args.join(' ')} failed:\n${stderr || stdout}`));
      else resolve(stdout);
    });
  });
}

/** The version of a package installed in this repository, so the new projects use the same. */
function repoVersion(name) {
  return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
}

const npmInstall = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

/** Every source a shipped source map names is shipped too (src/ goes with dist/). */
function checkSourceMaps(dir, files, name) {
  const shipped = new Set(files);
  for (const file of files.filter((f) => f.endsWith('.map'))) {
    const { sources } = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    for (const source of sources) {
      const resolved = posix.normalize(posix.join(posix.dirname(file), source));
      if (!shipped.has(resolved)) throw new Error(`${name}: ${file} names ${source}, which is not shipped`);
    }
  }
}

const STRICT_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023', 'ESNext.Disposable'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noUnusedLocals: true,
    verbatimModuleSyntax: true,
    outDir: 'dist',
    rootDir: 'src',
    types: ['node'],
  },
  include: ['src'],
};

// The program a user writes: the generated module gives the types (struct event, the map's key
// and value), `bpfkit` the loader and the ring buffer stream (which takes the live map itself).
const PROGRAM = `import { spawnSync } from 'node:child_process';
import { bpfCallPath, ringBufferEvents } from 'bpfkit';
import { type Event, eventCodec, load } from './exec_events.js';

using skeleton = await load();
using link = skeleton.program('on_exec').attach();

let childPid = -1;
const seen = new Promise<Event>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('no ring buffer event for the child in 10 s')), 10_000);
  const subscription = ringBufferEvents(skeleton.maps.events).subscribe({
    next(record: Uint8Array) {
      const event: Event = eventCodec.decode(record);
      if (event.pid !== childPid) return;
      clearTimeout(timer);
      subscription.unsubscribe();
      resolve(event);
    },
    error: reject,
  });
});
childPid = spawnSync('/bin/true').pid ?? -1;
const event = await seen;
const count: bigint | undefined = skeleton.maps.execs_by_pid.lookup(childPid);
if (event.comm !== 'true' || count === undefined || count < 1n) {
  throw new Error(\`unexpected: event \${JSON.stringify(event, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}, count \${count}\`);
}
console.log(\`bpf() through \${bpfCallPath()}; \${link.kind} link: event pid=\${event.pid} comm=\${event.comm} seq=\${event.seq}; execs_by_pid[\${childPid}] = \${count}\`);
`;

try {
  step('build');
  run(join(root, 'node_modules/.bin/tsc'), ['-b', 'tsconfig.build.json'], root);

  step('npm pack of every package');
  const dirs = [
    ...readdirSync(join(root, 'packages')).map((d) => join(root, 'packages', d)),
    join(root, 'apps/cli'),
  ];
  // tsc -b never deletes the output of a source that was removed; npm pack would ship it
  for (const dir of dirs) checkNoStaleOutput(dir);
  /** package name -> tarball file name */
  const packed = new Map();
  // one npm for all of them: an npm process per package costs seconds each on a busy machine
  const workspaces = dirs.flatMap((dir) => ['-w', dir.slice(root.length + 1)]);
  const results = JSON.parse(
    run('npm', ['pack', '--json', '--pack-destination', tarballs, ...workspaces], root),
  );
  for (const result of results) {
    const dir = dirs.find(
      (d) => JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).name === result.name,
    );
    packed.set(result.name, result.filename);
    const files = result.files.map((f) => f.path);
    const unwanted = files.filter((f) =>
      /(^|\/)(\.tsbuildinfo|[^/]*\.test\.ts|[^/]*\.test-helpers\.[jt]s|fixtures\/|test-support\/)/.test(f),
    );
    if (unwanted.length > 0) throw new Error(`${result.name} ships ${unwanted.join(', ')}`);
    if (!files.includes('LICENSE')) throw new Error(`${result.name} ships no LICENSE`);
    checkExports(dir, files, result.name);
    checkSourceMaps(dir, files, result.name);
  }

  // every @bpfkit/* package resolves to its tarball, as a registry holding them would serve it
  const overrides = Object.fromEntries(
    [...packed]
      .filter(([name]) => name.startsWith('@bpfkit/'))
      .map(([name, file]) => [name, `file:${join(tarballs, file)}`]),
  );
  const project = (name, dependencies, devDependencies = {}) => {
    const dir = join(work, name);
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify(
        { name, private: true, type: 'module', dependencies, devDependencies, overrides },
        null,
        2,
      ),
    );
    return dir;
  };

  // all at once: each is mostly waiting on the npm cache, and one after another takes minutes;
  // still about two minutes on a busy machine, so only with --each
  const scoped = each ? [...packed.keys()].filter((n) => n.startsWith('@bpfkit/')) : [];
  if (each) step('each @bpfkit/* package installs alone and imports');
  await Promise.all(
    scoped.map(async (name) => {
      const dir = project(`alone-${name.slice('@bpfkit/'.length)}`, {
        [name]: `file:${join(tarballs, packed.get(name))}`,
      });
      await runAsync('npm', npmInstall, dir, name);
      await runAsync(
        process.execPath,
        ['--input-type=module', '-e', `await import(${JSON.stringify(name)});`],
        dir,
        name,
      );
    }),
  );

  step('bpfkit installs alone; npx bpfkit runs');
  const app = project(
    'app',
    { bpfkit: `file:${join(tarballs, packed.get('bpfkit'))}` },
    { typescript: repoVersion('typescript'), '@types/node': repoVersion('@types/node') },
  );
  // Linked (isolated) layout, as pnpm lays packages out: only the project's direct dependencies
  // are visible from src/, so code that imports a @bpfkit/* package it did not declare fails.
  run('npm', [...npmInstall, '--install-strategy=linked'], app);
  const visible = readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.'));
  if (visible.includes('@bpfkit')) throw new Error(`@bpfkit/* hoisted next to bpfkit: ${visible.join(', ')}`);
  const version = run('npx', ['--no-install', 'bpfkit', '--version'], app).trim();
  if (version !== packed.get('bpfkit').replace(/^bpfkit-|\.tgz$/g, '')) {
    throw new Error(`npx bpfkit --version printed ${version}`);
  }
  mkdirSync(join(app, 'src'));
  copyFileSync(join(root, 'apps/cli/src/fixtures/exec_events.bpfel.o'), join(app, 'exec_events.bpfel.o'));
  checkCommandRunsFromBundle(app);
  run(
    'npx',
    ['--no-install', 'bpfkit', 'gen', 'types', 'exec_events.bpfel.o', '-o', 'src/exec_events.ts'],
    app,
  );

  // What `gen types` writes imports what `npm install bpfkit` gives directly: bpfkit, and node:.
  const generated = readFileSync(join(app, 'src/exec_events.ts'), 'utf8');
  const specifiers = [...generated.matchAll(/^(?:import|export)\b[^;]*?from '([^']+)';/gms)].map((m) => m[1]);
  const undeclared = specifiers.filter((s) => s !== 'bpfkit' && !s.startsWith('node:'));
  if (!specifiers.includes('bpfkit') || undeclared.length > 0) {
    throw new Error(
      `the generated module imports ${specifiers.join(', ')}; only bpfkit and node: are declared`,
    );
  }

  step('a strict TypeScript program and the generated module compile against the installed packages');
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(STRICT_TSCONFIG, null, 2));
  writeFileSync(join(app, 'src/main.ts'), PROGRAM);
  run('npx', ['--no-install', 'tsc', '-p', '.'], app);

  step('it loads, attaches and reads the ring buffer and the map in the kernel');
  process.stdout.write(run(process.execPath, ['dist/main.js'], app, { timeout: 60_000 }));
  step('done');
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

/**
 * The installed command runs from the bundle npm packed (apps/cli/scripts/bundle-cli.mjs): a
 * `bpfkit load` of the test object loads the bundle's chunks and no module of an @bpfkit package,
 * and finds @bpfkit/kernel-backend's native addons from there when the install built them.
 */
function checkCommandRunsFromBundle(app) {
  const loads = join(app, 'bpfkit-loads.txt');
  const bin = join(app, 'node_modules/bpfkit/bin/bpfkit.js');
  run(
    process.execPath,
    ['--import', join(root, 'apps/cli/scripts/record-loads.mjs'), bin, 'load', 'exec_events.bpfel.o'],
    app,
    { env: { ...process.env, BPFKIT_RECORD_LOADS: loads } },
  );
  const lines = readFileSync(loads, 'utf8').trim().split('\n');
  const modules = lines.filter((l) => l.startsWith('module file:')).map((l) => l.slice('module '.length));
  const fromPackages = modules.filter((url) => url.includes('/@bpfkit/'));
  if (!modules.some((url) => url.endsWith('/bpfkit/bundle/main.js')) || fromPackages.length > 0) {
    throw new Error(`bpfkit load did not run from its bundle; it loaded:\n${modules.join('\n')}`);
  }
  // the linked layout puts bpfkit's dependencies beside it in its store entry
  const backend = join(realpathSync(join(app, 'node_modules/bpfkit')), '..', '@bpfkit/kernel-backend');
  const built = existsSync(join(backend, 'native/build/bpf_syscall.node'));
  const addons = lines.filter((l) => l.startsWith('addon ') && l.includes('/@bpfkit/kernel-backend/'));
  if (built && addons.length === 0) {
    throw new Error('bpfkit load from the bundle did not load the native addons the install built');
  }
  console.log(
    `bpfkit load ran from its bundle: ${modules.length} files of JavaScript, ${addons.length} native addons of @bpfkit/kernel-backend`,
  );
}

/** Every dist/**.js has its src/**.ts: anything else is left over from a source since removed. */
function checkNoStaleOutput(dir) {
  const dist = join(dir, 'dist');
  const stale = readdirSync(dist, { recursive: true })
    .filter((f) => f.endsWith('.js'))
    .filter((f) => !existsSync(join(dir, 'src', f.replace(/\.js$/, '.ts'))));
  if (stale.length > 0) {
    throw new Error(
      `${dir}/dist holds output of removed sources (${stale.join(', ')}): delete ${dir}/dist and build again`,
    );
  }
}

/** Every file an `exports` condition names is in the tarball. */
function checkExports(dir, files, name) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const targets = [];
  const walk = (value) => {
    if (typeof value === 'string') targets.push(value.replace(/^\.\//, ''));
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(manifest.exports);
  for (const bin of Object.values(manifest.bin ?? {})) targets.push(bin.replace(/^\.\//, ''));
  const missing = targets.filter((t) => !files.includes(t));
  if (missing.length > 0) throw new Error(`${name}: exports name unshipped files: ${missing.join(', ')}`);
}
