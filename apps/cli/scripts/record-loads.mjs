// Records what a node process loads, for the checks that the bundled command runs from its bundle:
// node --import <this file> ... appends `module <url>` for each ES module and `addon <path>` for
// each native addon to the file BPFKIT_RECORD_LOADS names.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';

const out = process.env.BPFKIT_RECORD_LOADS;
if (!out) throw new Error('record-loads.mjs: set BPFKIT_RECORD_LOADS to the file to write');
// ES modules through a loader hook, which runs on a thread of its own (record-loads-hooks.mjs)
register('./record-loads-hooks.mjs', import.meta.url);
// addons through dlopen, on this thread
const dlopen = process.dlopen;
process.dlopen = function recordDlopen(module, filename, ...rest) {
  appendFileSync(out, `addon ${filename}\n`);
  return dlopen.call(this, module, filename, ...rest);
};
