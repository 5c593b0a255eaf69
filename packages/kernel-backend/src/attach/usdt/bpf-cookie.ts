import type { KernelBackend } from '../../backend.js';

// a tracepoint program: call bpf_get_attach_cookie (helper 174); r0 = 0; exit
const CALLS_ATTACH_COOKIE = new Uint8Array([
  0x85, 0, 0, 0, 174, 0, 0, 0, 0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0,
]);
const TRACEPOINT = 5; // BPF_PROG_TYPE_TRACEPOINT

const known = new WeakMap<KernelBackend, boolean>();

/**
 * Does the kernel have bpf_get_attach_cookie (5.15; libbpf's FEAT_BPF_COOKIE)? The same probe the
 * loader makes to set LINUX_HAS_BPF_COOKIE, so attach and the handler agree on how a USDT handler
 * finds its spec: by cookie, or by ip. Memoized per backend.
 */
export function kernelHasBpfCookie(backend: KernelBackend): boolean {
  let answer = known.get(backend);
  if (answer === undefined) {
    try {
      backend
        .loadProgram({ type: TRACEPOINT, instructions: CALLS_ATTACH_COOKIE, license: 'GPL', name: 'probe' })
        .close();
      answer = true;
    } catch {
      answer = false;
    }
    known.set(backend, answer);
  }
  return answer;
}
