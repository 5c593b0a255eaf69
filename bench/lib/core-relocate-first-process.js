// Run as a child process by core-relocate-cold: the first CO-RE relocation of a process, as a
// short-lived tool (`bpfkit load` of a CO-RE object) makes it, and prints {"ms"}. Opening the
// object and parsing the kernel's BTF are not timed, as libbpf's relocation phase leaves out its
// open and its vmlinux parse; the candidate index and the JIT's first runs of the relocator are.
import { loadKernelBtf } from '@bpfkit/btf';
import { openForRelocation, relocateAllPrograms } from './core-relocation.js';

const object = openForRelocation(process.argv[2]);
const kernel = loadKernelBtf();
const start = performance.now();
relocateAllPrograms(object, kernel);
console.log(JSON.stringify({ ms: performance.now() - start }));
