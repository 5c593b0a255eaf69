// The module hook of record-loads.mjs: one line per ES module loaded.
import { appendFileSync } from 'node:fs';

export async function load(url, context, nextLoad) {
  appendFileSync(process.env.BPFKIT_RECORD_LOADS, `module ${url}\n`);
  return nextLoad(url, context);
}
