import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The rxjs files a new node process has loaded after importing `specifier` (built dist). */
function rxjsFilesLoadedBy(specifier: string): string[] {
  const script = `
    await import(${JSON.stringify(specifier)});
    const { createRequire } = await import('node:module');
    const loaded = Object.keys(createRequire(process.cwd() + '/').cache);
    console.log(JSON.stringify(loaded.filter((file) => file.includes('/rxjs/'))));
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return (JSON.parse(output) as string[]).map((file) => file.slice(file.indexOf('/rxjs/')));
}

describe('what importing the loader costs a new process', () => {
  it('loads the rxjs classes it uses, not the bundle of every operator', () => {
    const files = rxjsFilesLoadedBy('@bpfkit/loader');
    expect(files).toContain('/rxjs/dist/cjs/internal/Observable.js');
    expect(files).toContain('/rxjs/dist/cjs/internal/ReplaySubject.js');
    // rxjs's index requires ~250 operator modules: about 80 ms of every `bpfkit load`
    expect(files).not.toContain('/rxjs/dist/cjs/index.js');
    expect(files.length).toBeLessThan(60);
  });
});
