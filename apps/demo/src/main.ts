// `npm run demo`: bpfkit's main job on bundled objects, against the real kernel.
import { isBpfkitError } from '@bpfkit/core';
import { createLoader } from '@bpfkit/loader';
import { execTracerDemo } from './exec-tracer-demo.js';
import { socketFilterDemo } from './socket-filter-demo.js';

async function demo(): Promise<number> {
  const loader = createLoader();
  const counted = await socketFilterDemo(loader);
  const traced = await execTracerDemo(loader);
  console.log(
    counted && traced ? '\nok: the kernel ran both objects as expected' : '\nMISMATCH: see the lines above',
  );
  return counted && traced ? 0 : 1;
}

demo().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(isBpfkitError(error) ? `demo: ${error.describe()}` : error);
    process.exitCode = 1;
  },
);
