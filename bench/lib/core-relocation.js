// The bpfkit side of the CO-RE rows: what the loader's loadPrograms does to an opened object
// before BPF_PROG_LOAD, minus externs and maps (the benchmark object has neither): link each
// program with the functions it calls, then relocateCore with one candidate cache per object.
import { readFileSync } from 'node:fs';
import { parseBtf } from '@bpfkit/btf';
import { createLoader } from '@bpfkit/loader';
import { linkProgram, relocateCore } from '@bpfkit/relocator';

/** Opens `path` and parses its BTF: the work libbpf does in bpf_object__open, outside the timing. */
export function openForRelocation(path) {
  const spec = createLoader().open(path);
  if (!spec.btf) throw new Error(`${path} has no BTF: the CO-RE rows need a CO-RE object`);
  return { spec, btf: parseBtf(spec.btf) };
}

/**
 * Links and CO-RE-relocates every program of the object against `target` (a kernel Btf), as
 * libbpf's bpf_object__relocate does for every autoload program. Returns the relocation count.
 */
export function relocateAllPrograms({ spec, btf }, target) {
  const byName = new Map();
  for (const program of spec.programs) byName.set(program.name, program);
  for (const fn of spec.functions) byName.set(fn.name, fn);
  const callable = (name) => byName.get(name);
  // libbpf prunes candidates per object: one cache shared by the object's programs, new per object
  const candidateCache = new Map();
  let relocations = 0;
  for (const program of spec.programs) {
    const linked = linkProgram(program, callable);
    if (linked.coreRelocations.length === 0) continue;
    relocateCore(linked.instructions, linked.coreRelocations, btf, target, {
      program: program.name,
      candidateCache,
    });
    relocations += linked.coreRelocations.length;
  }
  return relocations;
}

/** A fresh parse of the kernel's BTF as loadKernelBtf makes it, for a first relocation against it. */
export function freshKernelBtf(path = '/sys/kernel/btf/vmlinux') {
  return parseBtf(readFileSync(path), { validate: false });
}
