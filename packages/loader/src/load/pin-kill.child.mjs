// A loader process that SIGKILLs itself right after its N-th pin step (BPF_OBJ_PIN or the rename
// that moves staged pins into place), for the pin-kill test. It runs the built packages.
// argv: object, pin root, program pin dir, N (0: never), "replace" or "keep"
import { LinuxBackend } from '@bpfkit/kernel-backend';
import { createLoader } from '@bpfkit/loader';

const [object, pinRoot, pinDir, killAfter, mode] = process.argv.slice(2);
let steps = 0;
const pinSteps = new Set(['pin', 'renamePin']);
const backend = new Proxy(new LinuxBackend(), {
  get(target, key) {
    const value = Reflect.get(target, key);
    if (typeof value !== 'function') return value;
    return (...args) => {
      const result = value.apply(target, args);
      if (pinSteps.has(key) && ++steps === Number(killAfter)) process.kill(process.pid, 'SIGKILL');
      return result;
    };
  },
});
const loader = createLoader({ backend });
try {
  const loaded = await loader.load(loader.open(object), { pinRoot });
  const pins = loaded.pinPrograms(pinDir, { replace: mode === 'replace' });
  loaded.close();
  process.stdout.write(`${JSON.stringify({ ok: true, pins, steps })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ ok: false, name: error.name, message: error.message })}\n`);
}
