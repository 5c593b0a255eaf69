// One of several processes that load the same object at the same moment (concurrent-load test).
// It runs the built packages (npm run build), as a deployed loader would. For each trial: print
// "ready <trial>", wait for the parent's barrier file, load, print the outcome as JSON, close.
// argv: object, pin root, barrier directory, trials, [SIGKILL after this many pins (pin-kill test)]
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createLoader } from '@bpfkit/loader';

const [object, pinRoot, barrierDir, trials] = process.argv.slice(2);
const loader = createLoader();
const spec = loader.open(object);
const pause = new Int32Array(new SharedArrayBuffer(4));

for (let trial = 0; trial < Number(trials); trial++) {
  process.stdout.write(`ready ${trial}\n`);
  const go = join(barrierDir, `go-${trial}`);
  while (!existsSync(go)) Atomics.wait(pause, 0, 0, 0.2);
  try {
    const loaded = await loader.load(spec, { pinRoot });
    const mapId = loaded.map('shared_counts').info().id;
    loaded.close();
    process.stdout.write(`${JSON.stringify({ trial, ok: true, mapId })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ trial, ok: false, error: String(error?.message ?? error) })}\n`);
  }
}
