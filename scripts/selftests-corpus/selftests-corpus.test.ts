import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand, mountBpffs } from '@bpfkit/kernel-backend/testing';
import { linkObjects } from '@bpfkit/linker';
import { createLoader } from '@bpfkit/loader';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Corpus, findCorpus } from './corpus-objects.js';
import { compiledFloor, knownExceptions } from './known-exceptions.js';
import { loadWithBpfkit } from './load-with-bpfkit.js';
import { loadWithLibbpf, type SideResult } from './load-with-libbpf.js';
import { type CorpusRow, differencesTable, summarize } from './report.js';

// The kernel's BPF selftests (built by build.sh, outside the clone) loaded by bpfkit and by libbpf
// (bpftool). Without a corpus it skips, unless BPFKIT_REQUIRE_CORPUS=1 (CI), where that fails.
const found = findCorpus();
const missing =
  typeof found === 'string' ? found : hasCommand('bpftool') ? undefined : 'bpftool is not installed';
if (missing && process.env.BPFKIT_REQUIRE_CORPUS === '1') {
  throw new Error(`the corpus must run (BPFKIT_REQUIRE_CORPUS=1) but cannot: ${missing}`);
}

describe.skipIf(missing)(
  `the kernel's BPF selftests as a corpus${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    const corpus = found as Corpus;
    let rows: CorpusRow[] = [];

    /** linked/NAME -> why bpfkit's linker could not link the set that libbpf's linker linked */
    const linkErrors: Record<string, string> = {};

    beforeAll(async () => {
      // Every set libbpf's linker linked, linked again by bpfkit's (`bpfkit link`): bpfkit-linked/NAME.
      const linkedByBpfkit = mkdtempSync(join(tmpdir(), 'bpfkit-corpus-link-'));
      const bpfkitLinked: string[] = [];
      for (const [set, inputs] of Object.entries(corpus.linkInputs)) {
        const name = set.replace(/^linked\//, 'bpfkit-linked/');
        try {
          const bytes = linkObjects(
            inputs.map((input) => ({
              name: `${input}.o`,
              bytes: readFileSync(join(corpus.dir, `${input}.o`)),
            })),
          );
          mkdirSync(join(linkedByBpfkit, 'bpfkit-linked'), { recursive: true });
          writeFileSync(join(linkedByBpfkit, `${name}.o`), bytes);
          bpfkitLinked.push(name);
        } catch (error) {
          linkErrors[set] = error instanceof Error ? error.message : String(error);
        }
      }
      const names = [...corpus.compiled, ...corpus.linked, ...bpfkitLinked];
      const path = (name: string) =>
        join(name.startsWith('bpfkit-linked/') ? linkedByBpfkit : corpus.dir, `${name}.o`);
      const bpffs = mountBpffs();
      try {
        // libbpf runs as child processes, two at a time, while bpfkit loads in this process.
        const libbpf = new Map<string, SideResult>();
        const queue = [...names];
        const worker = async () => {
          for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
            libbpf.set(name, await loadWithLibbpf(path(name), bpffs.dir, name.replace(/\W/g, '_')));
          }
        };
        const libbpfDone = Promise.all([worker(), worker()]);
        const loader = createLoader();
        const bpfkit = new Map<string, SideResult>();
        for (const name of names) {
          bpfkit.set(name, await loadWithBpfkit(loader, path(name)));
          // Let finished bpftool runs hand their results over between loads.
          await new Promise((resolve) => setImmediate(resolve));
        }
        await libbpfDone;
        rows = names.map((name) => ({ name, libbpf: libbpf.get(name)!, bpfkit: bpfkit.get(name)! }));
      } finally {
        bpffs.unmount();
        rmSync(linkedByBpfkit, { recursive: true, force: true });
      }
      const summary = summarize(rows, corpus, knownExceptions);
      const reportDir = join(corpus.dir, 'report');
      mkdirSync(reportDir, { recursive: true });
      writeFileSync(join(reportDir, 'corpus.json'), `${JSON.stringify(rows, null, 1)}\n`);
      writeFileSync(join(reportDir, 'differences.md'), differencesTable(rows, summary, knownExceptions));
      console.log(`${summary.text}\nfull table: ${join(reportDir, 'differences.md')}`);
    });

    it(`compiles at least ${compiledFloor} of the selftests programs`, () => {
      expect(corpus.compiled.length).toBeGreaterThanOrEqual(compiledFloor);
    });

    it('libbpf loads objects here (the reference side works)', () => {
      // Guards the comparison below against a libbpf side that fails everything (bpffs, bpftool).
      expect(rows.filter((r) => r.libbpf.loaded).length).toBeGreaterThan(corpus.compiled.length / 4);
    });

    it('bpfkit loads every object that libbpf loads, but the known exceptions', () => {
      const refused = rows
        .filter((r) => r.libbpf.loaded && !r.bpfkit.loaded && !(r.name in knownExceptions))
        .map((r) => `${r.name}: ${r.bpfkit.error}`);
      expect(refused).toEqual([]);
    });

    it('every known exception is still one (remove those bpfkit now loads)', () => {
      expect(summarize(rows, corpus, knownExceptions).staleExceptions).toEqual([]);
    });

    it("bpfkit's linker links every set that libbpf's linker links (bpftool gen object)", () => {
      expect(linkErrors).toEqual({});
      expect(Object.keys(corpus.linkInputs).length).toBe(corpus.linked.length);
    });

    it("each set bpfkit linked loads wherever libbpf's linked output loads", () => {
      const row = (name: string) => rows.find((r) => r.name === name);
      const notLoaded = corpus.linked
        .filter((set) => row(set)?.libbpf.loaded)
        .map((set) => ({ set, ours: row(set.replace(/^linked\//, 'bpfkit-linked/')) }))
        .filter(({ ours }) => !ours?.bpfkit.loaded || !ours.libbpf.loaded)
        .map(
          ({ set, ours }) =>
            `${set}: bpfkit ${ours?.bpfkit.error ?? 'no row'}; libbpf ${ours?.libbpf.error ?? ''}`,
        );
      expect(notLoaded).toEqual([]);
    });

    it('bpfkit opens every object that libbpf opens', () => {
      const refused = rows
        .filter((r) => r.libbpf.opened && !r.bpfkit.opened && !(r.name in knownExceptions))
        .map((r) => `${r.name}: ${r.bpfkit.error}`);
      expect(refused).toEqual([]);
    });
  },
);
