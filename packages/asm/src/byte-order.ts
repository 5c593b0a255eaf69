import type { ByteOrder } from '@bpfkit/core';

export type { ByteOrder };

/** The machine's own byte order, for programs that go straight to the running kernel. */
export const nativeByteOrder: ByteOrder =
  new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'little' : 'big';
