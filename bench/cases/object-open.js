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
    // One untimed repetition warms the JIT: after 50 opens an object, the first timed repetition
    // still ran 60% above the next five of the same process (74 against 42–46 µs), V8 compiling
    // the open's functions as it went. The libbpf side has no JIT to warm.
    await meanPerObject(paths, (path) => openMany(path, iterations));
    const samples = [];
    for (let r = 0; r < repetitions; r++)
      samples.push(await meanPerObject(paths, (path) => openMany(path, iterations)));
    return samples;
  },
  libbpf({ iterations, repetitions }) {
    return runHarness('object_ops', ['open', iterations, repetitions, ...objectFixtures()]).samples;
  },
};
