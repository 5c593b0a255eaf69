import { AttrBuffer } from './attr-buffer.js';

/** libbpf's bounds for a verifier log: start at 64 KiB, give up growing at 16 MiB. */
export const LOG_START_SIZE = 64 * 1024;
export const LOG_MAX_SIZE = 16 * 1024 * 1024;

/** A log buffer for PROG_LOAD / BTF_LOAD that grows between attempts. */
export class LogBuffer {
  #buffer: AttrBuffer;

  constructor(size = LOG_START_SIZE) {
    this.#buffer = new AttrBuffer(Math.min(Math.max(size, 128), LOG_MAX_SIZE));
  }

  get address(): number {
    return this.#buffer.address;
  }

  get size(): number {
    return this.#buffer.size;
  }

  /** Grows to at least `needed` bytes (the kernel's log_true_size) or 4x; false at the ceiling. */
  grow(needed = 0): boolean {
    if (this.size >= LOG_MAX_SIZE) return false;
    const next = Math.min(Math.max(needed, this.size * 4), LOG_MAX_SIZE);
    this.#buffer = new AttrBuffer(next);
    return true;
  }

  text(): string {
    const bytes = this.#buffer.bytes;
    const end = bytes.indexOf(0);
    return Buffer.from(bytes.buffer, bytes.byteOffset, end < 0 ? bytes.length : end).toString('utf8');
  }
}
