// How long `bpfkit --help` takes from spawn to exit, against `node -e ''` (the floor any node
// CLI pays) in the "libbpf" column: the ratio is the CLI's own start cost, which must stay
// under 2 (commands load their code with `await import()`; --help loads none of it).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = join(dirname(fileURLToPath(import.meta.url)), '../../apps/cli/bin/bpfkit.js');

/** ms from spawn to exit of one process, `repetitions` times. */
function spawnTimes(args, repetitions) {
  return Array.from({ length: repetitions }, () => {
    const start = process.hrtime.bigint();
    execFileSync(process.execPath, args, { stdio: 'ignore' });
    return Number(process.hrtime.bigint() - start) / 1e6;
  });
}

export default {
  name: 'cli-help-start',
  unit: 'ms',
  repetitions: 10,
  unavailable() {
    return existsSync(join(dirname(bin), '../dist/main.js'))
      ? undefined
      : 'apps/cli is not built (npm run build)';
  },
  bpfkit({ repetitions }) {
    return spawnTimes([bin, '--help'], repetitions);
  },
  libbpf({ repetitions }) {
    return spawnTimes(['-e', ''], repetitions);
  },
};
