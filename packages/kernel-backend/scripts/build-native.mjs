// Builds native/bpf_syscall.node with the system C compiler and Node's own headers. Optional:
// when there is no compiler or no headers, it says so and the backend uses koffi instead.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, '..', 'native', 'bpf_syscall.c');
const output = join(here, '..', 'native', 'build', 'bpf_syscall.node');
const headers = [join(dirname(dirname(process.execPath)), 'include', 'node'), '/usr/include/node'].find(
  (dir) => existsSync(join(dir, 'node_api.h')),
);

if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
  console.log(`bpfkit: no native bpf() addon for ${process.platform}/${process.arch}; koffi will be used`);
} else if (!headers) {
  console.log(
    "bpfkit: Node's headers (node_api.h) not found; the native bpf() addon is skipped, koffi will be used",
  );
} else {
  mkdirSync(dirname(output), { recursive: true });
  const cc = process.env.CC ?? 'cc';
  const result = spawnSync(cc, ['-O2', '-Wall', '-shared', '-fPIC', `-I${headers}`, source, '-o', output], {
    stdio: 'inherit',
  });
  if (result.status === 0)
    console.log('bpfkit: built the native bpf() addon (native/build/bpf_syscall.node)');
  else console.log(`bpfkit: ${cc} could not build the native bpf() addon; koffi will be used`);
}
