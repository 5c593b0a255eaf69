import { accessSync, constants } from 'node:fs';
import { NotFoundError } from '@bpfkit/core';

/** Library directories searched after LD_LIBRARY_PATH (libbpf's list plus Debian's multiarch ones). */
const LIBRARY_DIRS = [
  '/usr/lib64',
  '/usr/lib',
  '/lib64',
  '/lib',
  '/usr/lib/x86_64-linux-gnu',
  '/lib/x86_64-linux-gnu',
];
const PROGRAM_DIRS = ['/usr/bin', '/usr/sbin'];

/**
 * A binary named without a '/' is looked up as libbpf's resolve_full_path does: a name with ".so"
 * in LD_LIBRARY_PATH then the library directories (readable), anything else in PATH then /usr/bin
 * and /usr/sbin (readable and executable). A name with a '/' is used as given.
 */
export function resolveBinaryPath(binary: string, env: NodeJS.ProcessEnv = process.env): string {
  if (binary.includes('/')) return binary;
  const library = binary.endsWith('.so') || binary.includes('.so.');
  const dirs = library
    ? [...(env.LD_LIBRARY_PATH ?? '').split(':'), ...LIBRARY_DIRS]
    : [...(env.PATH ?? '').split(':'), ...PROGRAM_DIRS];
  const mode = library ? constants.R_OK : constants.R_OK | constants.X_OK;
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = `${dir}/${binary}`;
    try {
      accessSync(candidate, mode);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  throw new NotFoundError(`no ${library ? 'library' : 'program'} named ${binary}`, {
    hint: `searched ${library ? 'LD_LIBRARY_PATH' : 'PATH'} and ${(library ? LIBRARY_DIRS : PROGRAM_DIRS).join(', ')}; give a path with a '/'`,
  });
}
