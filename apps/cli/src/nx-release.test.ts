import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `nx release` versions and changelogs the packages (docs/releasing.md). These tests run the real
// nx on a copy of the workspace's manifests, lockfile and release configuration, with a git
// history of its own, so that a real (not dry) run can write and be checked.

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const DEPENDENCY_COLLECTIONS = [
  'dependencies',
  'devDependencies',
  'peerDependencies',
  'optionalDependencies',
];

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  [collection: string]: unknown;
}

function workspaceFolders(root: string): string[] {
  return ['packages', 'apps'].flatMap((parent) =>
    readdirSync(join(root, parent))
      .filter((name) => existsSync(join(root, parent, name, 'package.json')))
      .map((name) => `${parent}/${name}`),
  );
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function internalRanges(manifest: Record<string, unknown>): [string, string][] {
  return DEPENDENCY_COLLECTIONS.flatMap((collection) =>
    Object.entries((manifest[collection] as Record<string, string> | undefined) ?? {}).filter(
      ([name]) => name === 'bpfkit' || name.startsWith('@bpfkit/'),
    ),
  );
}

let copy: string;

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: copy, encoding: 'utf8' });
}

function nx(...args: string[]): string {
  return execFileSync(join(repo, 'node_modules/.bin/nx'), args, {
    cwd: copy,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function snapshot(): Map<string, string> {
  const files = ['package-lock.json', ...workspaceFolders(copy).map((f) => `${f}/package.json`)];
  return new Map(files.map((f) => [f, readFileSync(join(copy, f), 'utf8')]));
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'bpfkit-release-'));
  for (const file of ['package.json', 'package-lock.json', 'nx.json', 'LICENSE']) {
    cpSync(join(repo, file), join(copy, file));
  }
  cpSync(join(repo, 'scripts/release'), join(copy, 'scripts/release'), { recursive: true });
  for (const folder of workspaceFolders(repo)) {
    mkdirSync(join(copy, folder), { recursive: true });
    cpSync(join(repo, folder, 'package.json'), join(copy, folder, 'package.json'));
  }
  symlinkSync(join(repo, 'node_modules'), join(copy, 'node_modules'));
  writeFileSync(join(copy, '.gitignore'), 'node_modules\n.nx\n');
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'release-test@example.invalid');
  git('config', 'user.name', 'release test');
  git('add', '-A');
  git('commit', '-q', '-m', 'core: the first commit of the copy');
  // A commit in the repository's subject style ("area: what now works") after the first one.
  writeFileSync(join(copy, 'packages/loader/NOTES.md'), 'typed maps\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'loader: maps take and return values decoded from BTF');
}, 60_000);

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('nx release', () => {
  const publishable = () =>
    workspaceFolders(repo)
      .map((folder) => readJson<Manifest>(join(repo, folder, 'package.json')))
      .filter((m) => !m.private)
      .map((m) => m.name);

  it('the fixed release group is every publishable package, and none of the private ones', () => {
    const { release } = readJson<{ release: { projects: string[]; projectsRelationship: string } }>(
      join(repo, 'nx.json'),
    );
    expect(release.projectsRelationship).toBe('fixed');
    expect([...release.projects].sort()).toEqual(publishable().sort());
    expect(publishable()).toContain('bpfkit');
  });

  it('version --dry-run names every package and every file it would change, and writes nothing', {
    timeout: 120_000,
  }, () => {
    const before = snapshot();
    const out = nx('release', 'version', '0.2.0', '--dry-run');
    for (const name of publishable()) {
      expect(out).toMatch(new RegExp(`${name.replace('/', '\\/')} ✍️ +New version 0\\.2\\.0 written to`));
    }
    for (const folder of ['apps/demo', 'apps/pfc', 'apps/tc-loader', 'apps/plugin-examples']) {
      expect(out).toContain(`would update ${folder}/package.json`);
    }
    expect(out).toContain('would update package-lock.json');
    expect(snapshot()).toEqual(before);
  });

  it('version writes the new version into every publishable package and every internal range', {
    timeout: 120_000,
  }, () => {
    const before = snapshot();
    nx('release', 'version', '0.2.0');
    const names = new Set(publishable());
    let rangesChecked = 0;
    for (const folder of workspaceFolders(copy)) {
      const was = JSON.parse(before.get(`${folder}/package.json`) as string) as Manifest;
      const now = readJson<Manifest>(join(copy, folder, 'package.json'));
      // Private apps keep their own version; everything released moves to 0.2.0.
      expect(now.version, folder).toBe(names.has(now.name) ? '0.2.0' : was.version);
      const wasRanges = internalRanges(was);
      const nowRanges = internalRanges(now);
      expect(nowRanges.map(([n]) => n)).toEqual(wasRanges.map(([n]) => n));
      // A range on a released package names 0.2.0; one on a private app (not released) stays.
      for (const [i, [name, range]] of nowRanges.entries()) {
        expect(range, `${folder} → ${name}`).toBe(names.has(name) ? '0.2.0' : wasRanges[i]?.[1]);
        if (names.has(name)) rangesChecked++;
      }
      // Nothing but versions changed: the rest of the manifest is as it was.
      const strip = (m: Manifest) => JSON.stringify({ ...m, version: '', ...rangesOff(m) });
      expect(strip(now)).toBe(strip(was));
    }
    expect(rangesChecked).toBeGreaterThan(60);

    // package-lock.json's workspace entries follow the manifests, so `npm ci` accepts it.
    const lock = readJson<{ packages: Record<string, Record<string, unknown>> }>(
      join(copy, 'package-lock.json'),
    );
    for (const folder of workspaceFolders(copy)) {
      const manifest = readJson<Manifest>(join(copy, folder, 'package.json'));
      const entry = lock.packages[folder];
      expect(entry?.version, folder).toBe(manifest.version);
      // npm keeps the lockfile's dependency lists sorted; compare as sets of pairs.
      const sorted = (pairs: [string, string][]) => pairs.map((p) => p.join('@')).sort();
      expect(sorted(internalRanges(entry ?? {})), folder).toEqual(sorted(internalRanges(manifest)));
    }
    // npm agrees: `npm ci` accepts manifests and lockfile as they are (a workspace range the lockfile
    // does not satisfy sends it to the registry for @bpfkit/*, which --offline turns into ENOTCACHED).
    const ciDir = mkdtempSync(join(tmpdir(), 'bpfkit-release-ci-'));
    try {
      for (const file of [
        'package.json',
        'package-lock.json',
        ...workspaceFolders(copy).map((f) => `${f}/package.json`),
      ]) {
        mkdirSync(dirname(join(ciDir, file)), { recursive: true });
        cpSync(join(copy, file), join(ciDir, file));
      }
      const args = ['ci', '--dry-run', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'];
      const out = execFileSync('npm', args, {
        cwd: ciDir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(out).toContain('add @bpfkit/core 0.2.0');
      expect(out).toContain('add @bpfkit/demo 0.1.0');
    } finally {
      rmSync(ciDir, { recursive: true, force: true });
    }
  });

  it('changelog --dry-run renders the commits since the first release under their package', {
    timeout: 120_000,
  }, () => {
    const out = nx('release', 'changelog', '0.2.0', '--first-release', '--dry-run');
    expect(out).toMatch(/## 0\.2\.0 \(\d{4}-\d\d-\d\d\)/);
    expect(out).toMatch(/### @bpfkit\/loader\s+\+\s+\+ - maps take and return values decoded from BTF/);
    expect(existsSync(join(copy, 'CHANGELOG.md'))).toBe(false);
  });

  it('changelog writes CHANGELOG.md and commits it with the versioned files, tagged v0.2.0', {
    timeout: 120_000,
  }, () => {
    nx('release', 'changelog', '0.2.0', '--first-release');
    expect(readFileSync(join(copy, 'CHANGELOG.md'), 'utf8')).toContain(
      '- maps take and return values decoded from BTF',
    );
    expect(git('tag', '--points-at', 'HEAD').trim()).toBe('v0.2.0');
    expect(git('log', '-1', '--format=%s').trim()).toBe('chore(release): publish 0.2.0');
    const committed = git('show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort();
    const expected = [
      'CHANGELOG.md',
      'package-lock.json',
      ...workspaceFolders(copy).map((f) => `${f}/package.json`),
    ].sort();
    expect(committed).toEqual(expected);
    expect(git('status', '--porcelain').trim()).toBe('');
  });
});

/** The manifest's internal ranges blanked, so a comparison sees only everything else. */
function rangesOff(manifest: Manifest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const collection of DEPENDENCY_COLLECTIONS) {
    const deps = manifest[collection] as Record<string, string> | undefined;
    if (!deps) continue;
    out[collection] = Object.fromEntries(
      Object.entries(deps).map(([n, r]) => [n, n === 'bpfkit' || n.startsWith('@bpfkit/') ? '' : r]),
    );
  }
  return out;
}
