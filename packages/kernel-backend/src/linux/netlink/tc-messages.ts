// The rtnetlink messages of `tc qdisc add dev X clsact` and `tc filter add dev X ingress bpf da fd N`
// (include/uapi/linux/rtnetlink.h, pkt_sched.h, pkt_cls.h), the requests libbpf's bpf_tc_hook_create,
// bpf_tc_attach, bpf_tc_detach and bpf_tc_query send. Plain functions over bytes.
import type { TcBpfFilterAttr, TcDirection, TcFilter, TcFilterRef, TcHook } from '../../backend.js';
import {
  encodeMessage,
  type NetlinkAttribute,
  type NetlinkMessage,
  NlmFlag,
  parseAttributes,
  readString,
  readU32,
  stringAttribute,
  u32Attribute,
} from './netlink-message.js';

export const RtmType = {
  NEWQDISC: 36,
  DELQDISC: 37,
  NEWTFILTER: 44,
  DELTFILTER: 45,
  GETTFILTER: 46,
} as const;

/** TC_H_CLSACT (== TC_H_INGRESS): the parent of the clsact qdisc; its minors name the two hooks. */
export const TC_H_CLSACT = 0xfffffff1;
const TC_H_MIN_INGRESS = 0xfff2;
const TC_H_MIN_EGRESS = 0xfff3;
/** TC_H_MAKE(major, minor) */
export const tcHandle = (major: number, minor: number) => ((major & 0xffff0000) | (minor & 0xffff)) >>> 0;
/** the clsact qdisc's own handle, ffff: */
export const CLSACT_HANDLE = tcHandle(TC_H_CLSACT, 0);

/** The parent of a filter on a clsact hook: ffff:fff2 (ingress) or ffff:fff3 (egress). */
export const hookParent = (direction: TcDirection) =>
  tcHandle(TC_H_CLSACT, direction === 'ingress' ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS);

export function hookOfParent(parent: number): TcDirection | undefined {
  if (parent === hookParent('ingress')) return 'ingress';
  if (parent === hookParent('egress')) return 'egress';
  return undefined;
}

/** ETH_P_ALL (linux/if_ether.h): every protocol, what `tc filter add ... bpf` uses by default. */
export const ETH_P_ALL = 0x0003;

const TCA_KIND = 1;
const TCA_OPTIONS = 2;
const TCA_CHAIN = 11;
/** enum in pkt_cls.h: the attributes of a cls_bpf filter */
const TcaBpf = { FD: 6, NAME: 7, FLAGS: 8, TAG: 10, ID: 11 } as const;
export const TCA_BPF_FLAG_ACT_DIRECT = 1;

const TCMSG_SIZE = 20;
const swap16 = (value: number) => ((value & 0xff) << 8) | ((value >> 8) & 0xff);

/** struct tcmsg: family AF_UNSPEC, ifindex, handle, parent, info (priority << 16 | protocol, network order) */
export function encodeTcmsg(fields: { ifindex: number; handle?: number; parent: number; info?: number }) {
  const bytes = new Uint8Array(TCMSG_SIZE);
  const view = new DataView(bytes.buffer);
  view.setInt32(4, fields.ifindex, true);
  view.setUint32(8, fields.handle ?? 0, true);
  view.setUint32(12, fields.parent, true);
  view.setUint32(16, fields.info ?? 0, true);
  return bytes;
}

/** tcm_info of a filter: TC_H_MAKE(priority << 16, htons(protocol)) */
export const filterInfo = (priority: number, protocol: number) =>
  (((priority & 0xffff) << 16) | swap16(protocol)) >>> 0;

/** `tc qdisc add dev X clsact`: RTM_NEWQDISC, exclusive (EEXIST when there is one already). */
export function addClsactRequest(ifindex: number, seq: number): Uint8Array {
  return encodeMessage(
    {
      type: RtmType.NEWQDISC,
      flags: NlmFlag.REQUEST | NlmFlag.ACK | NlmFlag.CREATE | NlmFlag.EXCL,
      seq,
    },
    encodeTcmsg({ ifindex, handle: CLSACT_HANDLE, parent: TC_H_CLSACT }),
    [stringAttribute(TCA_KIND, 'clsact')],
  );
}

/** `tc qdisc del dev X clsact`: RTM_DELQDISC; the kernel removes the filters of both hooks with it. */
export function deleteClsactRequest(ifindex: number, seq: number): Uint8Array {
  return encodeMessage(
    { type: RtmType.DELQDISC, flags: NlmFlag.REQUEST | NlmFlag.ACK, seq },
    encodeTcmsg({ ifindex, handle: CLSACT_HANDLE, parent: TC_H_CLSACT }),
    [stringAttribute(TCA_KIND, 'clsact')],
  );
}

/**
 * `tc filter add dev X ingress prio P handle H bpf da fd N name NAME`: RTM_NEWTFILTER, exclusive,
 * with NLM_F_ECHO so the kernel answers with the filter it made (the priority and handle it chose
 * when they were 0), as libbpf's bpf_tc_attach asks.
 */
export function addBpfFilterRequest(attr: TcBpfFilterAttr, seq: number): Uint8Array {
  const options: NetlinkAttribute[] = [
    u32Attribute(TcaBpf.FD, attr.programFd),
    stringAttribute(TcaBpf.NAME, attr.name),
    u32Attribute(TcaBpf.FLAGS, attr.directAction === false ? 0 : TCA_BPF_FLAG_ACT_DIRECT),
  ];
  return encodeMessage(
    {
      type: RtmType.NEWTFILTER,
      flags: NlmFlag.REQUEST | NlmFlag.ACK | NlmFlag.CREATE | NlmFlag.EXCL | NlmFlag.ECHO,
      seq,
    },
    encodeTcmsg({
      ifindex: attr.ifindex,
      handle: attr.handle ?? 0,
      parent: hookParent(attr.direction),
      info: filterInfo(attr.priority ?? 0, attr.protocol ?? ETH_P_ALL),
    }),
    [stringAttribute(TCA_KIND, 'bpf'), { type: TCA_OPTIONS, value: options }],
  );
}

/** `tc filter del dev X ingress prio P handle H bpf`: exactly one filter (libbpf's bpf_tc_detach). */
export function deleteFilterRequest(filter: TcFilterRef, seq: number): Uint8Array {
  return encodeMessage(
    { type: RtmType.DELTFILTER, flags: NlmFlag.REQUEST | NlmFlag.ACK, seq },
    encodeTcmsg({
      ifindex: filter.ifindex,
      handle: filter.handle,
      parent: hookParent(filter.direction),
      info: filterInfo(filter.priority, filter.protocol),
    }),
    [stringAttribute(TCA_KIND, 'bpf')],
  );
}

/** `tc filter show dev X ingress`: an RTM_GETTFILTER dump of one hook. */
export function dumpFiltersRequest(hook: TcHook, seq: number): Uint8Array {
  return encodeMessage(
    { type: RtmType.GETTFILTER, flags: NlmFlag.REQUEST | NlmFlag.DUMP, seq },
    encodeTcmsg({ ifindex: hook.ifindex, parent: hookParent(hook.direction) }),
  );
}

/**
 * An RTM_NEWTFILTER message (a dump entry or an echo) as a TcFilter; undefined for the entry the
 * kernel dumps for each priority before its filters (handle 0, no options) and for other hooks.
 */
export function parseFilterMessage(message: NetlinkMessage): TcFilter | undefined {
  const { payload } = message;
  if (message.type !== RtmType.NEWTFILTER || payload.length < TCMSG_SIZE) return undefined;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const ifindex = view.getInt32(4, true);
  const handle = view.getUint32(8, true);
  const direction = hookOfParent(view.getUint32(12, true));
  const info = view.getUint32(16, true);
  const attributes = parseAttributes(payload.subarray(TCMSG_SIZE));
  const optionBytes = attributes.get(TCA_OPTIONS);
  if (!direction || handle === 0 || !optionBytes) return undefined;
  const kind = readString(attributes.get(TCA_KIND)) ?? '';
  const filter: TcFilter = {
    ifindex,
    direction,
    priority: info >>> 16,
    protocol: swap16(info & 0xffff),
    handle,
    kind,
    chain: readU32(attributes.get(TCA_CHAIN)) ?? 0,
  };
  if (kind !== 'bpf') return filter;
  const options = parseAttributes(optionBytes);
  const tag = options.get(TcaBpf.TAG);
  return {
    ...filter,
    bpf: {
      programId: readU32(options.get(TcaBpf.ID)) ?? 0,
      name: readString(options.get(TcaBpf.NAME)) ?? '',
      directAction: ((readU32(options.get(TcaBpf.FLAGS)) ?? 0) & TCA_BPF_FLAG_ACT_DIRECT) !== 0,
      tag: tag ? Buffer.from(tag).toString('hex') : '',
    },
  };
}
