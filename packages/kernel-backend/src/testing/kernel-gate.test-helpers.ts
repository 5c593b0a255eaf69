import { LinuxBackend } from '../linux/linux-backend.js';
import { mountBpffs, kernelSkipReason as skipReason } from './kernel-gate.js';

export { mountBpffs };

// The package's shared gate (./kernel-gate.ts, exported as @bpfkit/kernel-backend/testing).
const why = skipReason();

export const kernelOk = why === undefined;
export const kernelSkipReason = why ?? '';

let backend: LinuxBackend | undefined;

/** The shared Linux backend; only call it inside tests gated by kernelOk. */
export function linuxBackend(): LinuxBackend {
  if (why !== undefined) throw new Error(why);
  backend ??= new LinuxBackend();
  return backend;
}

/** `r0 = imm; exit` as encoded instructions (BPF_ALU64|BPF_MOV|BPF_K, BPF_JMP|BPF_EXIT). */
export function returnImmediate(imm: number): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0xb7;
  view.setInt32(4, imm, true);
  bytes[8] = 0x95;
  return bytes;
}

/** `r1 = map (BPF_PSEUDO_MAP_FD); r0 = 0; exit`: a program that references the map `mapFd`. */
export function referencesMap(mapFd: number): Uint8Array {
  const bytes = new Uint8Array(32);
  bytes[0] = 0x18;
  bytes[1] = 0x11;
  new DataView(bytes.buffer).setInt32(4, mapFd, true);
  bytes[16] = 0xb7;
  bytes[24] = 0x95;
  return bytes;
}

/** A one-entry u32 -> u32 array map: the smallest map a test needs to name. */
export const tinyArrayAttr = (name: string) =>
  ({ type: 2 /* BPF_MAP_TYPE_ARRAY */, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0, name }) as const;

export const u32 = (value: number): Uint8Array => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
};

export const u64 = (value: bigint): Uint8Array => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value, true);
  return bytes;
};

export const readU32 = (bytes: Uint8Array, offset = 0): number =>
  new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, true);

export const readU64 = (bytes: Uint8Array, offset = 0): bigint =>
  new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(offset, true);
