// @ts-check
// How `nx release version` reads and writes versions in this npm-workspaces repository.
// nx ships no npm implementation itself (it lives in @nx/js, which this repo does not use), so
// nx.json names this module in `release.version.versionActions`. nx loads it with require(), so
// it is CommonJS. It mirrors the contract of nx's VersionActions (nx/release):
//  - each released package's package.json gets its new `version`;
//  - each released package's internal dependency ranges (dependencies, devDependencies,
//    peerDependencies, optionalDependencies) get the new versions nx hands over, prefix included;
//  - afterwards (afterAllProjectsVersioned), the workspace-level files nx does not know about:
//    the private apps' manifests, which depend on released packages but are not released, and the
//    workspace entries of package-lock.json, so that `npm ci` still accepts the lockfile.
const { readFileSync, writeFileSync, existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { VersionActions } = require('nx/release');

/** The manifest fields that can name another workspace package. */
const DEPENDENCY_COLLECTIONS = [
  'dependencies',
  'devDependencies',
  'peerDependencies',
  'optionalDependencies',
];

/** Specifiers that point at a local copy rather than a version: left as they are. */
const LOCAL_PROTOCOLS = ['file:', 'link:', 'workspace:'];

/**
 * The new version of every package this run versioned, by package name. nx calls
 * updateProjectVersion on one instance per project and afterAllProjectsVersioned once, in the same
 * process, so this module-level map is how the final step learns what changed (also in --dry-run,
 * when nothing has been written to disk yet).
 * @type {Map<string, string>}
 */
const newVersions = new Map();

/**
 * @param {import('nx/release').VersionActions['projectGraphNode']} node
 * @returns {string}
 */
function packageNameOf(node) {
  const name = node.data.metadata?.js?.packageName;
  if (!name) throw new Error(`nx release: project "${node.name}" has no package name in the project graph`);
  return name;
}

/**
 * The range to write for a dependency now at `version`, keeping the old range's ^ or ~ prefix.
 * @param {string} oldRange
 * @param {string} version
 */
function rangeFor(oldRange, version) {
  const prefix = /^[~^]/.exec(oldRange)?.[0] ?? '';
  return `${prefix}${version.replace(/^[~^=]/, '')}`;
}

/**
 * Rewrites, in one manifest-shaped object, every dependency on a package in `versions`.
 * Returns what changed, as "name: old -> new" lines.
 * @param {Record<string, any>} manifest
 * @param {Map<string, string>} versions
 */
function updateInternalRanges(manifest, versions) {
  const changes = [];
  for (const collection of DEPENDENCY_COLLECTIONS) {
    const deps = manifest[collection];
    if (!deps) continue;
    for (const [name, range] of Object.entries(deps)) {
      const version = versions.get(name);
      if (version === undefined || LOCAL_PROTOCOLS.some((p) => String(range).startsWith(p))) continue;
      const next = rangeFor(String(range), version);
      if (next === range) continue;
      deps[name] = next;
      changes.push(`${collection}.${name}: ${range} -> ${next}`);
    }
  }
  return changes;
}

/** The workspace folders named by the root package.json's "workspaces" globs (dir/* only). */
function workspaceFolders(cwd) {
  const root = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
  const folders = [];
  for (const pattern of root.workspaces ?? []) {
    if (!pattern.endsWith('/*')) {
      folders.push(pattern);
      continue;
    }
    const parent = pattern.slice(0, -2);
    for (const entry of readdirSync(join(cwd, parent), { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(cwd, parent, entry.name, 'package.json'))) {
        folders.push(`${parent}/${entry.name}`);
      }
    }
  }
  return folders;
}

/**
 * Reads a JSON file, applies `edit` (which returns change lines), writes it back unless dryRun.
 * @param {string} path
 * @param {boolean} dryRun
 * @param {(json: any) => string[]} edit
 */
function editJsonFile(path, dryRun, edit) {
  const text = readFileSync(path, 'utf8');
  const json = JSON.parse(text);
  const changes = edit(json);
  if (changes.length > 0 && !dryRun) {
    const indent = /^[ \t]+/m.exec(text)?.[0] ?? '  ';
    writeFileSync(path, `${JSON.stringify(json, null, indent)}\n`);
  }
  return changes;
}

/**
 * Brings the files nx did not version in line with the versions it wrote: the manifests of
 * workspace packages outside the release (private apps) and package-lock.json's workspace entries.
 * @type {import('nx/release').AfterAllProjectsVersioned}
 */
async function afterAllProjectsVersioned(cwd, { dryRun }) {
  const changedFiles = [];
  if (newVersions.size === 0) return { changedFiles, deletedFiles: [] };
  const verb = dryRun ? 'would update' : 'updated';
  const report = (file, changes) => {
    if (changes.length === 0) return;
    changedFiles.push(file);
    console.log(`bpfkit release: ${verb} ${file}\n  ${changes.join('\n  ')}`);
  };

  for (const folder of workspaceFolders(cwd)) {
    const file = `${folder}/package.json`;
    report(
      file,
      editJsonFile(join(cwd, file), !!dryRun, (manifest) => {
        // Released packages were written by nx already (on disk unless this is a dry run).
        if (newVersions.has(manifest.name)) return [];
        return updateInternalRanges(manifest, newVersions);
      }),
    );
  }

  const lockfile = join(cwd, 'package-lock.json');
  if (existsSync(lockfile)) {
    report(
      'package-lock.json',
      editJsonFile(lockfile, !!dryRun, (lock) => {
        const changes = [];
        for (const [path, entry] of Object.entries(lock.packages ?? {})) {
          // Workspace entries are keyed by folder; node_modules/* entries are links to them.
          if (path === '' || path.startsWith('node_modules/') || entry.link) continue;
          const version = newVersions.get(entry.name);
          if (version !== undefined && entry.version !== version) {
            changes.push(`${path} version: ${entry.version} -> ${version}`);
            entry.version = version;
          }
          changes.push(...updateInternalRanges(entry, newVersions).map((c) => `${path} ${c}`));
        }
        return changes;
      }),
    );
  }
  // One release per process is the CLI's case; the programmatic API may run several.
  newVersions.clear();
  return { changedFiles, deletedFiles: [] };
}

class NpmWorkspaceVersionActions extends VersionActions {
  validManifestFilenames = ['package.json'];

  /** @param {import('nx/src/generators/tree').Tree} tree */
  readManifest(tree, path = join(this.projectGraphNode.data.root, 'package.json')) {
    const text = tree.read(path, 'utf-8');
    if (text === null) throw new Error(`nx release: ${path} does not exist`);
    return JSON.parse(text);
  }

  /** @param {import('nx/src/generators/tree').Tree} tree @param {string} path @param {any} json */
  writeManifest(tree, path, json) {
    tree.write(path, `${JSON.stringify(json, null, 2)}\n`);
  }

  /** @param {import('nx/src/generators/tree').Tree} tree */
  async readCurrentVersionFromSourceManifest(tree) {
    const manifestPath = join(this.projectGraphNode.data.root, 'package.json');
    const { version } = this.readManifest(tree, manifestPath);
    if (typeof version !== 'string') {
      throw new Error(`nx release: ${manifestPath} has no "version" field; add one (e.g. "0.1.0")`);
    }
    return { currentVersion: version, manifestPath };
  }

  /**
   * Nothing is published yet, so the manifests on disk are the only source of versions
   * (currentVersionResolver "disk"); returning null makes nx say so if "registry" is configured.
   */
  async readCurrentVersionFromRegistry() {
    return null;
  }

  /**
   * @param {import('nx/src/generators/tree').Tree} tree
   * @param {import('nx/src/config/project-graph').ProjectGraph} projectGraph
   * @param {string} dependencyProjectName
   */
  async readCurrentVersionOfDependency(tree, projectGraph, dependencyProjectName) {
    const manifest = this.readManifest(tree);
    const name = packageNameOf(projectGraph.nodes[dependencyProjectName]);
    for (const collection of DEPENDENCY_COLLECTIONS) {
      const range = manifest[collection]?.[name];
      if (range !== undefined) return { currentVersion: range, dependencyCollection: collection };
    }
    return { currentVersion: null, dependencyCollection: null };
  }

  /** @param {import('nx/src/generators/tree').Tree} tree @param {string} newVersion */
  async updateProjectVersion(tree, newVersion) {
    newVersions.set(packageNameOf(this.projectGraphNode), newVersion);
    const logs = [];
    for (const { manifestPath } of this.manifestsToUpdate) {
      const manifest = this.readManifest(tree, manifestPath);
      manifest.version = newVersion;
      this.writeManifest(tree, manifestPath, manifest);
      logs.push(`✍️  New version ${newVersion} written to ${manifestPath}`);
    }
    return logs;
  }

  /**
   * @param {import('nx/src/generators/tree').Tree} tree
   * @param {import('nx/src/config/project-graph').ProjectGraph} projectGraph
   * @param {Record<string, string>} dependenciesToUpdate  project name -> new range (prefix applied by nx)
   */
  async updateProjectDependencies(tree, projectGraph, dependenciesToUpdate) {
    const versions = new Map(
      Object.entries(dependenciesToUpdate).map(([project, range]) => [
        packageNameOf(projectGraph.nodes[project]),
        range,
      ]),
    );
    if (versions.size === 0) return [];
    const logs = [];
    for (const { manifestPath, preserveLocalDependencyProtocols } of this.manifestsToUpdate) {
      const manifest = this.readManifest(tree, manifestPath);
      const changes = updateInternalRanges(manifest, versions);
      if (!preserveLocalDependencyProtocols) {
        // nx asked for local specifiers to be replaced too: write the plain versions over them.
        for (const collection of DEPENDENCY_COLLECTIONS) {
          for (const [name, range] of Object.entries(manifest[collection] ?? {})) {
            const version = versions.get(name);
            if (version !== undefined && LOCAL_PROTOCOLS.some((p) => String(range).startsWith(p))) {
              manifest[collection][name] = version;
              changes.push(`${collection}.${name}: ${range} -> ${version}`);
            }
          }
        }
      }
      if (changes.length === 0) continue;
      this.writeManifest(tree, manifestPath, manifest);
      logs.push(`✍️  Updated ${changes.length} internal dependency range(s) in ${manifestPath}`);
    }
    return logs;
  }
}

module.exports = NpmWorkspaceVersionActions;
module.exports.default = NpmWorkspaceVersionActions;
module.exports.afterAllProjectsVersioned = afterAllProjectsVersioned;
module.exports.updateInternalRanges = updateInternalRanges;
