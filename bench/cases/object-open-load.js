// Open, load into the kernel and close: bpfkit open + load + close against bpf_object__open_file +
// __load + __close, per object, averaged over lib/fixtures.js's set. Each side pins its
// LIBBPF_PIN_BY_NAME maps into a private bpffs and unpins them (untimed) after each load, so
// every load creates its maps. Kernel verification dominates both sides.
import { createLoader } from '@bpfkit/loader';
import { clearPins, withPrivateBpffs } from '../lib/bpffs.js';
import { objectFixtures } from '../lib/fixtures.js';
import { runHarness } from '../lib/harness.js';
import { meanPerObject } from '../lib/object-timing.js';

export default {
  name: 'object-open-load',
  unit: 'ms',
  iterations: 3,
  repetitions: 3,
  bpfkit({ iterations, repetitions }) {
    const paths = objectFixtures();
    const loader = createLoader();
    return withPrivateBpffs(async (pinRoot) => {
      const openLoadClose = async (path, times) => {
        let total = 0;
        for (let i = 0; i < times; i++) {
          const start = performance.now();
          const loaded = await loader.load(loader.open(path), { pinRoot });
          loaded.close();
          total += performance.now() - start;
          clearPins(pinRoot);
        }
        return total / times;
      };
      // warm up: the JIT on the open path (cheap, no kernel), then feature probes and the load path
      for (let i = 0; i < 50; i++) for (const path of paths) loader.open(path);
      await meanPerObject(paths, (path) => openLoadClose(path, 2));
      const samples = [];
      for (let r = 0; r < repetitions; r++) {
        samples.push(await meanPerObject(paths, (path) => openLoadClose(path, iterations)));
      }
      return samples;
    });
  },
  libbpf({ iterations, repetitions }) {
    return withPrivateBpffs(
      (pinRoot) =>
        runHarness('object_ops', ['open-load', iterations, repetitions, pinRoot, ...objectFixtures()])
          .samples,
    );
  },
};
