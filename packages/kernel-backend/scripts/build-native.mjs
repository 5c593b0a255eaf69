// Builds the native addons with the system compilers and Node's own headers. Optional: when a
// compiler or the headers are missing, it says so and the backend takes the next path down.
//   native/bpf_syscall.c    -> bpf_syscall.node    Node-API, any Node: bpf(), readFile(); else koffi
//   native/bpf_fast_call.cc -> bpf_fast_call.node  a V8 fast API call for bpf(), Node 20 (V8 11.3)
//   native/file_slabs.cc    -> file_slabs.node     recycled slabs for file reads, any Node; else new ArrayBuffers
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const native = join(here, '..', 'native');
const headers = [join(dirname(dirname(process.execPath)), 'include', 'node'), '/usr/include/node'].find(
  (dir) => existsSync(join(dir, 'node_api.h')),
);

/** true when `compiler` built `source` into native/build/`output` */
function build(compiler, flags, source, output) {
  mkdirSync(join(native, 'build'), { recursive: true });
  const args = ['-O2', '-Wall', ...flags, '-shared', '-fPIC', `-I${headers}`, join(native, source)];
  const result = spawnSync(compiler, [...args, '-o', join(native, 'build', output)], { stdio: 'inherit' });
  return result.status === 0;
}

if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
  console.log(`bpfkit: no native bpf() addon for ${process.platform}/${process.arch}; koffi will be used`);
} else if (!headers) {
  console.log(
    "bpfkit: Node's headers (node_api.h) not found; the native bpf() addon is skipped, koffi will be used",
  );
} else {
  const cc = process.env.CC ?? 'cc';
  if (build(cc, [], 'bpf_syscall.c', 'bpf_syscall.node'))
    console.log('bpfkit: built the native bpf() addon (native/build/bpf_syscall.node)');
  else console.log(`bpfkit: ${cc} could not build the native bpf() addon; koffi will be used`);

  // The fast call declares V8 11.3's fast API classes itself (see its source): no other V8.
  const cxx = process.env.CXX ?? 'c++';
  if (!process.versions.v8.startsWith('11.3.')) {
    console.log(`bpfkit: no fast-call addon for V8 ${process.versions.v8}; bpf() goes through Node-API`);
  } else if (build(cxx, ['-std=c++17'], 'bpf_fast_call.cc', 'bpf_fast_call.node')) {
    console.log('bpfkit: built the fast-call bpf() addon (native/build/bpf_fast_call.node)');
  } else {
    console.log(`bpfkit: ${cxx} could not build the fast-call addon; bpf() goes through Node-API`);
  }
  if (build(cxx, ['-std=c++17'], 'file_slabs.cc', 'file_slabs.node'))
    console.log('bpfkit: built the file-slab addon (native/build/file_slabs.node)');
  else console.log(`bpfkit: ${cxx} could not build the file-slab addon; file reads take new ArrayBuffers`);
}
