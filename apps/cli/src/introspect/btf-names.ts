import { type Btf, parseBtf } from '@bpfkit/btf';
import type { KernelBackend } from '@bpfkit/kernel-backend';

/** The kernel keeps 15 characters of a name (BPF_OBJ_NAME_LEN - 1). */
const KERNEL_NAME_MAX = 15;

/** The BTF objects of one command's walk, fetched from the kernel once each by id. */
export class KernelBtfCache {
  readonly #parsed = new Map<number, Btf | undefined>();
  constructor(readonly backend: KernelBackend) {}

  get(id: number): Btf | undefined {
    if (!this.#parsed.has(id)) {
      let btf: Btf | undefined;
      try {
        btf = parseBtf(this.backend.btfBytes(id));
      } catch {
        btf = undefined; // gone meanwhile, or not parsable: the kernel's name will do
      }
      this.#parsed.set(id, btf);
    }
    return this.#parsed.get(id);
  }

  /**
   * A program's full name: the name of its entry's BTF FUNC when the kernel's copy may be cut
   * short (bpftool's get_prog_full_name), else the kernel's name.
   */
  programName(kernelName: string, btfId: number, funcTypeId: number | undefined): string {
    if (kernelName.length < KERNEL_NAME_MAX || !btfId || !funcTypeId) return kernelName;
    const full = this.get(btfId)?.typeName(funcTypeId);
    return full?.startsWith(kernelName) ? full : kernelName;
  }
}
