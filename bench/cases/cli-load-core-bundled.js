// `bpfkit load` of the CO-RE-heavy object as the published package runs it: from the bundle npm
// packs (apps/cli/scripts/bundle-cli.mjs), made here from this checkout's dist before the samples
// (untimed) and run by lib/run-cli-bundle.js as the package's bin/bpfkit.js runs it. Against
// `bpftool prog loadall`, as cli-load-core: the two rows differ by how bpfkit's code is loaded.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCli } from '../../apps/cli/scripts/bundle-cli.mjs';
import { cliLoadCase } from '../lib/cli-load.js';

const here = dirname(fileURLToPath(import.meta.url));

// under bench/harness/build, so that koffi and @bpfkit/kernel-backend resolve from the bundle
export default cliLoadCase('cli-load-core-bundled', async () => [
  process.execPath,
  join(here, '../lib/run-cli-bundle.js'),
  await bundleCli(join(here, '../harness/build/cli-bundle')),
]);
