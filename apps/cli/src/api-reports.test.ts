import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript script of the repository, without types
import { apiReport, programFor, publishedPackages, reportPath } from '../../../scripts/api-report.mjs';

interface Pkg {
  name: string;
  dir: string;
  entries: [string, string][];
}

// Every published package's public surface is checked in (api-report.md beside its package.json):
// a change to what a package exports must come with the regenerated report, so review sees it.
describe('API reports', () => {
  it('every package has a report, and it matches the public surface of its exports', {
    timeout: 240_000,
  }, () => {
    const packages = publishedPackages() as Pkg[];
    expect(packages.map((p) => p.name)).toContain('@bpfkit/loader');
    const program = programFor(packages);
    const stale: string[] = [];
    for (const pkg of packages) {
      const path = reportPath(pkg) as string;
      const report = apiReport(pkg, program) as string;
      expect(report).toMatch(/\nfunction |\nclass |\nconst /);
      if (!existsSync(path) || readFileSync(path, 'utf8') !== report) stale.push(pkg.name);
    }
    expect(stale, 'run `node scripts/api-report.mjs` and review the diff of api-report.md').toEqual([]);
  });
});
