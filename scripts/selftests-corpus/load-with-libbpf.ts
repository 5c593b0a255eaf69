import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

export interface SideResult {
  opened: boolean;
  loaded: boolean;
  /** why not, when it did not load */
  error?: string;
}

/**
 * libbpf's answer, through `bpftool prog loadall OBJ DIR` (bpf_object__open_file, then
 * bpf_object__load, then a pin per program) into a private bpffs; the pins are removed after.
 * bpftool 7.1 says which step failed: "failed to open object file" / "failed to load object file".
 */
export function loadWithLibbpf(object: string, bpffs: string, pinName: string): Promise<SideResult> {
  const pinDir = join(bpffs, pinName);
  return new Promise((resolve) => {
    execFile(
      'bpftool',
      ['prog', 'loadall', object, pinDir],
      { timeout: 180_000, maxBuffer: 64 << 20 },
      (error, _stdout, stderr) => {
        rmSync(pinDir, { recursive: true, force: true });
        if (!error) return resolve({ opened: true, loaded: true });
        const opened = !stderr.includes('failed to open object file');
        // Loaded, but a pin failed: still a load as far as the kernel is concerned.
        const loaded = stderr.includes('failed to pin');
        resolve({ opened, loaded, error: libbpfError(stderr) || error.message });
      },
    );
  });
}

/**
 * The telling lines of libbpf's output: its first error (the cause, e.g. "map 'rb': failed to
 * create") and bpftool's verdict at the end.
 */
function libbpfError(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  const verdict = /failed to (open|load) object/;
  const cause = lines.find(
    (l) => !verdict.test(l) && /fail|error|invalid|unrecognized|unsupported|can't|not /i.test(l),
  );
  const last = lines.filter((l) => l.startsWith('Error:')).at(-1) ?? lines.at(-1);
  return [cause, last]
    .filter((l) => l !== undefined)
    .join(' | ')
    .slice(0, 400);
}
