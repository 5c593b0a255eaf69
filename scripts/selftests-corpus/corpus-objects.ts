import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir, release } from 'node:os';
import { join } from 'node:path';

/** The compiled selftests objects that build.sh left in the cache, for this kernel release. */
export interface Corpus {
  cache: string;
  /** the key directory: objects of one kernel source, clang and kernel release */
  dir: string;
  /** progs/NAME.c compiled to NAME.o, by name */
  compiled: string[];
  /** progs that clang refused (NAME.fail holds its message) */
  notCompiled: string[];
  /** the sets the selftests link first, as linked/NAME (linked by libbpf: bpftool gen object) */
  linked: string[];
  /** linked/NAME -> the compiled objects it links, in order (to link again with bpfkit's linker) */
  linkInputs: Record<string, string[]>;
}

export function corpusCache(): string {
  return process.env.BPFKIT_CORPUS_CACHE ?? join(homedir(), '.cache', 'bpfkit-corpus');
}

/** The corpus, or why there is none (build.sh has not run for this kernel). */
export function findCorpus(): Corpus | string {
  const cache = corpusCache();
  const pointer = join(cache, `objects-dir-${release()}`);
  if (!existsSync(pointer))
    return `no corpus for ${release()} in ${cache}: run scripts/selftests-corpus/build.sh`;
  const dir = readFileSync(pointer, 'utf8').trim();
  // vmlinux.h, hence CO-RE and type layouts, belongs to one kernel: objects of another are stale.
  if (!dir.endsWith(`-${release()}`) || !existsSync(join(dir, '.complete'))) {
    return `the corpus in ${cache} was built for another kernel: run scripts/selftests-corpus/build.sh`;
  }
  const names = (sub: string, ext: string) =>
    existsSync(join(dir, sub))
      ? readdirSync(join(dir, sub))
          .filter((f) => f.endsWith(ext))
          .map((f) => f.slice(0, -ext.length))
          .sort()
      : [];
  return {
    cache,
    dir,
    compiled: names('', '.o'),
    notCompiled: names('', '.fail'),
    linked: names('linked', '.o').map((n) => `linked/${n}`),
    linkInputs: Object.fromEntries(
      names('linked', '.inputs').map((n) => [
        `linked/${n}`,
        readFileSync(join(dir, 'linked', `${n}.inputs`), 'utf8')
          .split('\n')
          .filter(Boolean),
      ]),
    ),
  };
}
