// Opening an object into a spec, file read included: createLoader().open(path) against
// bpf_object__open_file + bpf_object__close, per object, averaged over lib/fixtures.js's set.
import { createLoader } from '@bpfkit/loader';
import { objectFixtures } from '../lib/fixtures.js';
import { runHarness } from '../lib/harness.js';
import { meanPerObject } from '../lib/object-timing.js';

export default {
  name: 'object-open',
  unit: 'ms',
  iterations: 200,
  repetitions: 3,
  async bpfkit({ iterations, repetitions }) {
    const paths = objectFixtures();
    const loader = createLoader();
    const openMany = (path, times) => {
      const start = performance.now();
      for (let i = 0; i < times; i++) loader.open(path);
      return (performance.now() - start) / times;
    };
    await meanPerObject(paths, (path) => openMany(path, Math.min(iterations, 50))); // warm the JIT
    const samples = [];
    for (let r = 0; r < repetitions; r++)
      samples.push(await meanPerObject(paths, (path) => openMany(path, iterations)));
    return samples;
  },
  libbpf({ iterations, repetitions }) {
    return runHarness('object_ops', ['open', iterations, repetitions, ...objectFixtures()]).samples;
  },
};
