// struct bpf_ringbuf_hdr (kernel/bpf/ringbuf.c): u32 len with the BUSY (bit 31) and DISCARD
// (bit 30) flags, u32 pg_off; each record is rounded up to 8 bytes. Read as an Int32, BUSY is the
// sign bit.
export const BPF_RINGBUF_DISCARD_BIT = 0x4000_0000;
export const RECORD_LENGTH_MASK = 0x3fff_ffff;
export const RECORD_HEADER_SIZE = 8;

/** Bytes a record of `length` takes in the ring: its header and data, rounded up to 8. */
export const recordSpan = (length: number): number => (length + RECORD_HEADER_SIZE + 7) & ~7;
