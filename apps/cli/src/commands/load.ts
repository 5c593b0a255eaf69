import { mkdirSync } from 'node:fs';
import { mapTypeName, programTypeName } from '@bpfkit/core';
import type { LoadedObject, Loader } from '@bpfkit/loader';

export interface LoadCommandOptions {
  format?: string;
  pinDir?: string;
  pinRoot?: string;
  logLevel?: number;
}

export interface LoadReport {
  programs: { name: string; section: string; type: string; id: number; pinned?: string }[];
  maps: { name: string; type: string; id: number }[];
}

/**
 * `bpfkit load`: like `bpftool prog loadall`, loads every autoload program with its maps and,
 * with a pin dir, pins each program at <dir>/<program name> so it outlives the command.
 */
export async function loadCommand(
  loader: Loader,
  path: string,
  options: LoadCommandOptions,
): Promise<LoadReport> {
  const spec = loader.open(path, options.format ? { format: options.format } : {});
  const loaded: LoadedObject = await loader.load(spec, {
    ...(options.pinRoot ? { pinRoot: options.pinRoot } : {}),
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
  });
  try {
    let pins: string[] = [];
    if (options.pinDir) {
      mkdirSync(options.pinDir, { recursive: true });
      pins = loaded.pinPrograms(options.pinDir);
    }
    return {
      programs: [...loaded.programs.values()].map((p, i) => ({
        name: p.name,
        section: p.spec.section,
        type: programTypeName(p.spec.type),
        id: p.info().id,
        ...(pins[i] ? { pinned: pins[i] } : {}),
      })),
      maps: [...loaded.maps.values()].map((m) => ({
        name: m.name,
        type: mapTypeName(m.spec.type),
        id: m.info().id,
      })),
    };
  } finally {
    loaded.close();
  }
}

export function renderLoad(report: LoadReport, dryRun: boolean): string {
  const verb = dryRun ? 'would load' : 'loaded';
  const lines = report.programs.map(
    (p) =>
      `${verb} program ${p.name} (${p.type}, section ${p.section}) id ${p.id}${p.pinned ? ` pinned at ${p.pinned}` : ''}`,
  );
  lines.push(
    ...report.maps.map((m) => `${dryRun ? 'would create' : 'created'} map ${m.name} (${m.type}) id ${m.id}`),
  );
  return lines.join('\n');
}
