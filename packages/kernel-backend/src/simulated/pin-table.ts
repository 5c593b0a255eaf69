import { basename } from 'node:path';
import { Errno } from '../errno.js';
import { SimFault } from './fault.js';
import type { SimObject } from './objects.js';

/**
 * The simulated bpffs: pinned objects by path, in one flat namespace (a directory is the pins
 * under its prefix, so none is ever made or left empty). Reference counts stay with the kernel:
 * methods answer the objects whose pin went away, for it to release.
 */
export class PinTable {
  readonly #pins = new Map<string, SimObject>();

  paths(): string[] {
    return [...this.#pins.keys()].sort();
  }

  objects(): IterableIterator<SimObject> {
    return this.#pins.values();
  }

  get(path: string): SimObject | undefined {
    return this.#pins.get(path);
  }

  /** BPF_OBJ_PIN's checks: absolute path, no dot in the name (bpf_lookup), nothing there yet. */
  add(path: string, object: SimObject): void {
    if (!path.startsWith('/')) throw new SimFault(Errno.ENOENT);
    if (basename(path).includes('.')) throw new SimFault(Errno.EPERM);
    if (this.#pins.has(path)) throw new SimFault(Errno.EEXIST);
    this.#pins.set(path, object);
  }

  /** unlink(2): the object that was pinned there. */
  remove(path: string): SimObject {
    const object = this.#pins.get(path);
    if (!object) throw new SimFault(Errno.ENOENT);
    this.#pins.delete(path);
    return object;
  }

  /**
   * rename(2) of a pin (replacing a pin at `to`) or of a directory (onto an absent or empty one);
   * answers the objects whose pins were replaced.
   */
  rename(from: string, to: string): SimObject[] {
    const moving = [...this.#pins.keys()].filter((p) => p === from || p.startsWith(`${from}/`));
    if (moving.length === 0) throw new SimFault(Errno.ENOENT);
    if (moving[0] !== from && this.list(to) !== undefined) throw new SimFault(Errno.ENOTEMPTY);
    const replaced: SimObject[] = [];
    for (const path of moving) {
      const object = this.#pins.get(path)!;
      this.#pins.delete(path);
      const target = to + path.slice(from.length);
      const old = this.#pins.get(target);
      if (old) replaced.push(old);
      this.#pins.set(target, object);
    }
    return replaced;
  }

  /** The names directly under dir, or undefined when nothing is pinned below it. */
  list(dir: string): string[] | undefined {
    const names = new Set<string>();
    for (const path of this.#pins.keys()) {
      if (path.startsWith(`${dir}/`)) names.add(path.slice(dir.length + 1).split('/')[0]!);
    }
    return names.size === 0 ? undefined : [...names].sort();
  }
}
