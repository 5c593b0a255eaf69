// The `bpfkit load` rows: one `bpfkit load` of the CO-RE-heavy object (lib/core-heavy.js) from
// spawn to exit, against `bpftool prog loadall` of the same object: what a person waits for at the
// shell. Both open the object, read the kernel's BTF, relocate 549 CO-RE accesses and load 11
// programs; the bpfkit side also starts node and loads its code. bpftool pins each program into a
// private bpffs (loadall needs a directory), removed after each sample, untimed. No target.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bpfBuildUnavailable } from './bpf-objects.js';
import { withPrivateBpffs } from './bpffs.js';
import { coreHeavyObject } from './core-heavy.js';
import { onEveryCpu } from './fresh-process.js';

/** What both rows run from: the checkout's build of apps/cli. */
const cliMain = join(dirname(fileURLToPath(import.meta.url)), '../../apps/cli/dist/main.js');

/** ms from spawn to exit of `command`, run on every CPU as a shell would run it. */
function spawnMs(command) {
  const [file, ...args] = onEveryCpu(command);
  const start = process.hrtime.bigint();
  execFileSync(file, args, { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The row `name`: `prepare()` (untimed, once) answers the command that runs bpfkit, without its arguments. */
export function cliLoadCase(name, prepare) {
  return {
    name,
    unit: 'ms',
    repetitions: 5,
    unavailable() {
      return existsSync(cliMain) ? bpfBuildUnavailable() : 'apps/cli is not built (npm run build)';
    },
    async bpfkit({ repetitions }) {
      const object = coreHeavyObject();
      const command = await prepare();
      return Array.from({ length: repetitions }, () => spawnMs([...command, 'load', object]));
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
}
