// What the compiler emits code for: boolean combinations of single packet-field comparisons.

/** Where a field's offset counts from. */
export type FieldBase =
  /** the IPv4 or IPv6 header */
  | 'l3'
  /** the transport header after an IPv4 header of IHL * 4 bytes */
  | 'l4-after-ipv4'
  /** the transport header after the fixed 40-byte IPv6 header (extension headers are not walked) */
  | 'l4-after-ipv6';

/** One comparison of an unsigned big-endian field, read as a host-order number. */
export interface FieldTest {
  kind: 'field';
  base: FieldBase;
  offset: number;
  size: 1 | 2 | 4;
  /** ANDed with the value before the comparison */
  mask?: number;
  op: 'eq' | 'ge' | 'le';
  value: number;
}

/** The frame's EtherType (XDP: bytes 12..13 of the Ethernet header; socket: skb->protocol). */
export interface EtherTypeTest {
  kind: 'ethertype';
  value: number;
}

export type Condition =
  | FieldTest
  | EtherTypeTest
  | { kind: 'all' | 'any'; items: Condition[] }
  | { kind: 'not'; operand: Condition };

export const all = (...items: Condition[]): Condition =>
  items.length === 1 ? items[0]! : { kind: 'all', items };
export const any = (...items: Condition[]): Condition =>
  items.length === 1 ? items[0]! : { kind: 'any', items };
