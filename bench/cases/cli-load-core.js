// `bpfkit load` of the CO-RE-heavy object as this checkout runs it (apps/cli/bin/bpfkit.js, which
// runs dist), against `bpftool prog loadall`: see lib/cli-load.js. No target: the row shows where
// the CLI stands (see bench/README.md for where its time goes).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliLoadCase } from '../lib/cli-load.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '../../apps/cli/bin/bpfkit.js');

export default cliLoadCase('cli-load-core', () => [process.execPath, bin]);
