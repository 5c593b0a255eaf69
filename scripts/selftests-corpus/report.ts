import type { Corpus } from './corpus-objects.js';
import type { SideResult } from './load-with-libbpf.js';

export interface CorpusRow {
  name: string;
  libbpf: SideResult;
  bpfkit: SideResult;
}

export interface CorpusSummary {
  text: string;
  /** known exceptions that bpfkit now loads, or that libbpf no longer loads: to remove */
  staleExceptions: string[];
}

const count = (rows: CorpusRow[], test: (r: CorpusRow) => boolean) => rows.filter(test).length;

export function summarize(
  rows: CorpusRow[],
  corpus: Corpus,
  exceptions: Readonly<Record<string, string>>,
): CorpusSummary {
  const refused = rows.filter((r) => r.libbpf.loaded && !r.bpfkit.loaded);
  const staleExceptions = Object.keys(exceptions).filter((name) => !refused.some((r) => r.name === name));
  const lines = [
    `selftests corpus: ${corpus.compiled.length} compiled (${corpus.notCompiled.length} did not), ${corpus.linked.length} linked sets`,
    `  opened: libbpf ${count(rows, (r) => r.libbpf.opened)}, bpfkit ${count(rows, (r) => r.bpfkit.opened)}`,
    `  loaded: libbpf ${count(rows, (r) => r.libbpf.loaded)}, bpfkit ${count(rows, (r) => r.bpfkit.loaded)}`,
    `  libbpf loads, bpfkit refuses: ${refused.length} (${count(refused, (r) => r.name in exceptions)} known exceptions)`,
    `  bpfkit loads, libbpf refuses: ${count(rows, (r) => r.bpfkit.loaded && !r.libbpf.loaded)}`,
    ...refused.map((r) => `    ${r.name}: ${exceptions[r.name] ?? `NEW: ${r.bpfkit.error}`}`),
    ...staleExceptions.map((name) => `  stale exception (remove it): ${name}`),
  ];
  return { text: lines.join('\n'), staleExceptions };
}

const yesNo = (side: SideResult) =>
  `${side.opened ? 'opened' : 'not opened'}, ${side.loaded ? 'loaded' : 'not loaded'}`;
const cell = (text: string | undefined) => (text ?? '').replace(/\|/g, '\\|');

/** A markdown table of every object the two loaders disagree on, after the summary. */
export function differencesTable(
  rows: CorpusRow[],
  summary: CorpusSummary,
  exceptions: Readonly<Record<string, string>>,
): string {
  const differ = rows.filter(
    (r) => r.libbpf.opened !== r.bpfkit.opened || r.libbpf.loaded !== r.bpfkit.loaded,
  );
  return [
    '```',
    summary.text,
    '```',
    '',
    '| object | libbpf | bpfkit | bpfkit error | libbpf error | known exception |',
    '| --- | --- | --- | --- | --- | --- |',
    ...differ.map(
      (r) =>
        `| ${r.name} | ${yesNo(r.libbpf)} | ${yesNo(r.bpfkit)} | ${cell(r.bpfkit.error)} | ${cell(r.libbpf.error)} | ${cell(exceptions[r.name])} |`,
    ),
    '',
  ].join('\n');
}
