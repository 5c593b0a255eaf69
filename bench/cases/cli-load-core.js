// The whole `bpfkit load` of the CO-RE-heavy object (lib/core-heavy.js), from spawn to exit,
// against `bpftool prog loadall` of the same object: what a person waits for at the shell. Both
// open the object, read the kernel's BTF, relocate 549 CO-RE accesses and load 11 programs; the
// bpfkit side also starts node and imports its packages. bpftool pins each program into a private
// bpffs (loadall needs a directory), removed after each sample, untimed. No target: the row shows
// where the CLI stands (see bench/README.md for where its time goes).
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bpfBuildUnavailable } from '../lib/bpf-objects.js';
import { withPrivateBpffs } from '../lib/bpffs.js';
import { coreHeavyObject } from '../lib/core-heavy.js';
import { onEveryCpu } from '../lib/fresh-process.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '../../apps/cli/bin/bpfkit.js');

/** ms from spawn to exit of `command`, run on every CPU as a shell would run it. */
function spawnMs(command) {
  const [file, ...args] = onEveryCpu(command);
  const start = process.hrtime.bigint();
  execFileSync(file, args, { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export default {
  name: 'cli-load-core',
  unit: 'ms',
  repetitions: 5,
  unavailable() {
    if (!existsSync(join(dirname(bin), '../dist/main.js'))) return 'apps/cli is not built (npm run build)';
    return bpfBuildUnavailable();
  },
  bpfkit({ repetitions }) {
    const object = coreHeavyObject();
    return Array.from({ length: repetitions }, () => spawnMs([process.execPath, bin, 'load', object]));
  },
  libbpf({ repetitions }) {
    const object = coreHeavyObject();
    return withPrivateBpffs((pinRoot) =>
      Array.from({ length: repetitions }, () => {
        const pins = join(pinRoot, 'core-heavy');
        const ms = spawnMs(['bpftool', 'prog', 'loadall', object, pins]);
        rmSync(pins, { recursive: true, force: true });
        return ms;
      }),
    );
  },
};
