import { mkdirSync, rmSync } from 'node:fs';
import { type EventSink, mapTypeName, programTypeName, silentEvents, UsageError } from '@bpfkit/core';
import type { Fd } from '@bpfkit/kernel-backend';
import { type LoadedObject, type Loader, objectNameOf } from '@bpfkit/loader';
import { applyMaxEntries, applySets } from '../run/assignments.js';

export interface LoadCommandOptions {
  /** the object's bytes, when the caller read them already */
  bytes?: Uint8Array;
  format?: string;
  pinDir?: string;
  pinRoot?: string;
  logLevel?: number;
  /** NAME=PINPATH: use the map pinned at PINPATH instead of creating map NAME */
  reuseMaps?: string[];
  /** VAR=VALUE: global variables set before load */
  sets?: string[];
  /** MAP=N: max_entries set before load */
  maxEntries?: string[];
  /** the BTF CO-RE relocates against, instead of the running kernel's */
  btfPath?: string;
  /** where open-time decisions and warnings go */
  events?: EventSink;
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
  const spec = loader.open(
    options.bytes ?? path,
    {
      ...(options.bytes ? { name: objectNameOf(path) } : {}),
      ...(options.format ? { format: options.format } : {}),
    },
    options.events ?? silentEvents,
  );
  applySets(spec, options.sets ?? []);
  applyMaxEntries(spec, options.maxEntries ?? []);
  const replacements = openReplacements(loader, options.reuseMaps ?? []);
  let loaded: LoadedObject;
  try {
    loaded = await loader.load(spec, {
      ...(options.pinRoot ? { pinRoot: options.pinRoot } : {}),
      ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
      ...(options.btfPath ? { btfPath: options.btfPath } : {}),
      ...(replacements.size > 0 ? { mapReplacements: replacements } : {}),
    });
  } finally {
    for (const fd of replacements.values()) fd.close();
  }
  try {
    const pins = options.pinDir ? pinInto(loaded, options.pinDir) : [];
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

/**
 * Pins every program under `dir`, making the directories it lacks; when pinning fails (not a
 * bpffs, a name taken), the directories it made go again, so a failed load leaves nothing.
 */
function pinInto(loaded: LoadedObject, dir: string): string[] {
  const made = mkdirSync(dir, { recursive: true });
  try {
    return loaded.pinPrograms(dir);
  } catch (error) {
    if (made !== undefined) rmSync(made, { recursive: true, force: true });
    throw error;
  }
}

/** `--map NAME=PINPATH` pairs opened as fds (the loader checks each against the spec's map). */
function openReplacements(loader: Loader, pairs: readonly string[]): Map<string, Fd> {
  const fds = new Map<string, Fd>();
  try {
    for (const pair of pairs) {
      const at = pair.indexOf('=');
      if (at <= 0 || at === pair.length - 1) {
        throw new UsageError(`--map takes NAME=PINPATH, not ${pair}`, {
          hint: '--map counters=/sys/fs/bpf/tc/globals/counters',
        });
      }
      fds.set(pair.slice(0, at), loader.backend.getPinned(pair.slice(at + 1)));
    }
  } catch (error) {
    for (const fd of fds.values()) fd.close();
    throw error;
  }
  return fds;
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
