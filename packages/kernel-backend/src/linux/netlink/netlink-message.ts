// Netlink framing (include/uapi/linux/netlink.h): struct nlmsghdr, struct nlattr (rtattr) and
// struct nlmsgerr with its extended-ack TLVs, as plain functions over bytes in host byte order.

/** nlmsg_flags of requests */
export const NlmFlag = {
  REQUEST: 0x1,
  MULTI: 0x2,
  ACK: 0x4,
  ECHO: 0x8,
  /** NEW requests: replace, refuse if it exists, create */
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  /** GET requests: NLM_F_ROOT | NLM_F_MATCH */
  DUMP: 0x300,
} as const;

/** nlmsg_flags of an NLMSG_ERROR answer */
const NLM_F_CAPPED = 0x100;
const NLM_F_ACK_TLVS = 0x200;

export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;

/** enum nlmsgerr_attrs: the extended ack's human-readable message */
const NLMSGERR_ATTR_MSG = 1;
const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;

export const NLMSG_HEADER_SIZE = 16;
const NLA_HEADER_SIZE = 4;

const align4 = (n: number) => (n + 3) & ~3;

/** An attribute to encode: bytes, or (nested) a list of attributes. */
export interface NetlinkAttribute {
  type: number;
  value: Uint8Array | readonly NetlinkAttribute[];
}

export const u32Attribute = (type: number, value: number): NetlinkAttribute => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value >>> 0, true);
  return { type, value: bytes };
};

/** A NUL-terminated string, as the kernel's NLA_STRING / NLA_NUL_STRING policies read it. */
export const stringAttribute = (type: number, value: string): NetlinkAttribute => ({
  type,
  value: new TextEncoder().encode(`${value}\0`),
});

function attributeLength(attribute: NetlinkAttribute): number {
  const { value } = attribute;
  const payload = value instanceof Uint8Array ? value.length : attributesLength(value);
  return NLA_HEADER_SIZE + payload;
}

function attributesLength(attributes: readonly NetlinkAttribute[]): number {
  return attributes.reduce((sum, a) => sum + align4(attributeLength(a)), 0);
}

function writeAttributes(view: DataView, bytes: Uint8Array, at: number, list: readonly NetlinkAttribute[]) {
  let offset = at;
  for (const attribute of list) {
    const length = attributeLength(attribute);
    const nested = !(attribute.value instanceof Uint8Array);
    view.setUint16(offset, length, true);
    view.setUint16(offset + 2, attribute.type | (nested ? NLA_F_NESTED : 0), true);
    if (attribute.value instanceof Uint8Array) bytes.set(attribute.value, offset + NLA_HEADER_SIZE);
    else writeAttributes(view, bytes, offset + NLA_HEADER_SIZE, attribute.value);
    offset += align4(length);
  }
}

/** The header fields of a request; the length is computed. */
export interface NetlinkHeader {
  type: number;
  flags: number;
  seq: number;
  /** the sender's port id; 0 lets the kernel fill in the socket's */
  pid?: number;
}

/** One request: nlmsghdr, the family header (a struct tcmsg, say), then the attributes. */
export function encodeMessage(
  header: NetlinkHeader,
  familyHeader: Uint8Array,
  attributes: readonly NetlinkAttribute[] = [],
): Uint8Array {
  const length = NLMSG_HEADER_SIZE + align4(familyHeader.length) + attributesLength(attributes);
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, length, true);
  view.setUint16(4, header.type, true);
  view.setUint16(6, header.flags, true);
  view.setUint32(8, header.seq, true);
  view.setUint32(12, header.pid ?? 0, true);
  bytes.set(familyHeader, NLMSG_HEADER_SIZE);
  writeAttributes(view, bytes, NLMSG_HEADER_SIZE + align4(familyHeader.length), attributes);
  return bytes;
}

/** A received message: the header fields and the payload after nlmsghdr. */
export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  payload: Uint8Array;
}

/** Splits one datagram into its messages; a length that runs past the end is a malformed answer. */
export function parseMessages(datagram: Uint8Array): NetlinkMessage[] {
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  const messages: NetlinkMessage[] = [];
  let offset = 0;
  while (offset + NLMSG_HEADER_SIZE <= datagram.length) {
    const length = view.getUint32(offset, true);
    if (length < NLMSG_HEADER_SIZE || offset + length > datagram.length) {
      throw new RangeError(
        `netlink message at byte ${offset} claims ${length} bytes, ${datagram.length - offset} remain`,
      );
    }
    messages.push({
      type: view.getUint16(offset + 4, true),
      flags: view.getUint16(offset + 6, true),
      seq: view.getUint32(offset + 8, true),
      pid: view.getUint32(offset + 12, true),
      payload: datagram.subarray(offset + NLMSG_HEADER_SIZE, offset + length),
    });
    offset += align4(length);
  }
  return messages;
}

/**
 * The attributes in `bytes`, by type (NLA_F_NESTED and NLA_F_NET_BYTEORDER masked off); a repeated
 * type keeps its first value. Nested attributes are parsed by calling this again on the value.
 */
export function parseAttributes(bytes: Uint8Array): Map<number, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const attributes = new Map<number, Uint8Array>();
  let offset = 0;
  while (offset + NLA_HEADER_SIZE <= bytes.length) {
    const length = view.getUint16(offset, true);
    if (length < NLA_HEADER_SIZE || offset + length > bytes.length) {
      throw new RangeError(`netlink attribute at byte ${offset} claims ${length} bytes`);
    }
    const type = view.getUint16(offset + 2, true) & NLA_TYPE_MASK;
    if (!attributes.has(type))
      attributes.set(type, bytes.subarray(offset + NLA_HEADER_SIZE, offset + length));
    offset += align4(length);
  }
  return attributes;
}

export const readU32 = (bytes: Uint8Array | undefined): number | undefined =>
  bytes && bytes.length >= 4
    ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true)
    : undefined;

/** A string attribute without its NUL. */
export const readString = (bytes: Uint8Array | undefined): string | undefined => {
  if (!bytes) return undefined;
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
};

/** struct nlmsgerr: errno 0 is an ACK; `message` is the extended ack's text (NLMSGERR_ATTR_MSG). */
export interface NetlinkAck {
  errno: number;
  message?: string;
}

/**
 * Reads an NLMSG_ERROR payload: the negative errno, the request's header echoed back (with the
 * whole request after it unless NLM_F_CAPPED), then the extended-ack TLVs when NLM_F_ACK_TLVS.
 */
export function parseAck(message: NetlinkMessage): NetlinkAck {
  const { payload } = message;
  if (payload.length < 4) throw new RangeError(`NLMSG_ERROR of ${payload.length} bytes`);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const errno = 0 - view.getInt32(0, true);
  if (!(message.flags & NLM_F_ACK_TLVS)) return { errno };
  const echoed = payload.length >= 4 + NLMSG_HEADER_SIZE ? view.getUint32(4, true) : NLMSG_HEADER_SIZE;
  const tlvStart = 4 + (message.flags & NLM_F_CAPPED ? NLMSG_HEADER_SIZE : align4(echoed));
  const text = readString(
    parseAttributes(payload.subarray(Math.min(tlvStart, payload.length))).get(NLMSGERR_ATTR_MSG),
  );
  return text ? { errno, message: text } : { errno };
}

/** NLMSG_DONE of a dump carries an int: 0, or the errno that ended the dump (and maybe TLVs). */
export function parseDone(message: NetlinkMessage): NetlinkAck {
  const { payload } = message;
  if (payload.length < 4) return { errno: 0 };
  const errno = 0 - new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getInt32(0, true);
  if (!(message.flags & NLM_F_ACK_TLVS)) return { errno };
  const text = readString(parseAttributes(payload.subarray(4)).get(NLMSGERR_ATTR_MSG));
  return text ? { errno, message: text } : { errno };
}

/** What the answers to one request came to so far. */
export interface ReplyState {
  /** the data messages (RTM_NEW*) that answered the request, in order */
  messages: NetlinkMessage[];
  /** set when the kernel refused */
  failure?: NetlinkAck;
  /** the extended ack of a successful request (a warning), if any */
  warning?: string;
  finished: boolean;
}

/**
 * Folds one datagram's messages into the reply to request `seq`: data messages are kept, an ACK
 * (NLMSG_ERROR with errno 0) ends a request, NLMSG_DONE ends a dump, a nonzero errno is the
 * refusal. Messages of other sequence numbers (a stale answer) are skipped.
 */
export function foldReplies(state: ReplyState, datagram: readonly NetlinkMessage[], seq: number): ReplyState {
  let next = state;
  for (const message of datagram) {
    if (next.finished) break;
    if (message.seq !== seq || message.type === NLMSG_NOOP) continue;
    if (message.type === NLMSG_ERROR || message.type === NLMSG_DONE) {
      const ack = message.type === NLMSG_ERROR ? parseAck(message) : parseDone(message);
      next =
        ack.errno === 0
          ? { ...next, finished: true, ...(ack.message ? { warning: ack.message } : {}) }
          : { ...next, finished: true, failure: ack };
    } else {
      next = { ...next, messages: [...next.messages, message] };
    }
  }
  return next;
}
