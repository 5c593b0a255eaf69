/** Byte order of an object file: EI_DATA of its ELF header, or the target the program is for. */
export type ByteOrder = 'little' | 'big';

/** The machine's own byte order, for programs that go straight to the running kernel. */
export const nativeByteOrder: ByteOrder =
  new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'little' : 'big';
