// libbpf's SEC() table (section_defs[] in libbpf.c) as data: which program type, expected attach
// type and load flags an ELF section name stands for. Mirrors current libbpf (the table as of the
// 2025 kernel trees); every name Debian's libbpf 1.1 knows is here with the same meaning.
import { ProgramFlag } from './bpf-constants.js';
import { AttachType, ProgramType } from './program-types.js';

/**
 * One entry of libbpf's section table. `pattern` keeps libbpf's spelling, which is also the match rule:
 * - "xdp" (no suffix): only the exact name "xdp" ("xdp_foo" and "xdp/foo" do not match);
 * - "kprobe+": "kprobe" itself or "kprobe/<target>" (never "kprobe_foo" nor "kprobe.s/...");
 * - "abc/" (trailing slash, used by custom tables only): "abc/<target>", and "abc/" alone.
 */
export interface SectionDefinition {
  pattern: string;
  /** BPF_PROG_TYPE_* */
  programType: number;
  /** BPF_* attach type passed as expected_attach_type at load (0: none) */
  expectedAttachType: number;
  /** SEC_ATTACHABLE: libbpf_attach_type_by_name() answers for it (programs of BPF_PROG_ATTACH) */
  attachable: boolean;
  /** SEC_EXP_ATTACH_OPT: expected_attach_type is dropped at load on kernels that predate the field */
  expectedAttachTypeOptional: boolean;
  /** SEC_ATTACH_BTF: the target after '/' names a BTF function/type; load fails without one */
  attachBtf: boolean;
  /** SEC_SLEEPABLE: loaded with BPF_F_SLEEPABLE */
  sleepable: boolean;
  /** SEC_XDP_FRAGS: an XDP program loaded with BPF_F_XDP_HAS_FRAGS (multi-buffer packets) */
  xdpFrags: boolean;
  /** SEC_USDT: libbpf loads it as BPF_TRACE_UPROBE_MULTI when the kernel has uprobe_multi links */
  usdt: boolean;
  /** the same entry exists in libbpf 1.1 (Debian's libbpf-dev); false for names added since */
  inLibbpf11: boolean;
}

/** What a section name says about its program, resolved against the table; plain data. */
export interface ParsedSection {
  programType: number;
  /** the definition's attach type; for usdt the loader may switch it to TRACE_UPROBE_MULTI at load */
  expectedAttachType: number;
  /** the text after the definition's "name/" ("syscalls/sys_enter_execve", "/bin/sh:main"), or '' */
  attachTarget: string;
  /** ProgramFlag.SLEEPABLE and/or ProgramFlag.XDP_HAS_FRAGS, as libbpf adds them at load */
  flags: number;
  /** false when the section was written "?name" (libbpf 1.x: open it but do not load it by default) */
  autoload: boolean;
  definition: SectionDefinition;
}

// The bits of libbpf's enum sec_def_flags, used only to write the table below compactly.
const ATTACH_OPT = 1;
const ATTACHABLE = 2;
const ATTACHABLE_OPT = ATTACHABLE | ATTACH_OPT;
const ATTACH_BTF = 4;
const SLEEPABLE = 8;
const XDP_FRAGS = 16;
const USDT = 32;

/** Patterns of the current table that libbpf 1.1 does not have (all added after 1.1). */
const addedAfterLibbpf11 = new Set([
  'uprobe.multi+',
  'uretprobe.multi+',
  'uprobe.multi.s+',
  'uretprobe.multi.s+',
  'kprobe.session+',
  'uprobe.session+',
  'uprobe.session.s+',
  'usdt.s+',
  'tc/ingress',
  'tc/egress',
  'tcx/ingress',
  'tcx/egress',
  'netkit/primary',
  'netkit/peer',
  'sk_skb/verdict',
  'cgroup/connect_unix',
  'cgroup/sendmsg_unix',
  'cgroup/recvmsg_unix',
  'cgroup/getpeername_unix',
  'cgroup/getsockname_unix',
  'struct_ops.s+',
  'netfilter',
]);

const P = ProgramType;
const A = AttachType;

// Order matters: the first matching entry wins, as in libbpf's find_sec_def().
// [pattern, program type, expected attach type, sec_def_flags]
const table: ReadonlyArray<readonly [string, number, number, number]> = [
  ['socket', P.SOCKET_FILTER, 0, 0],
  ['sk_reuseport/migrate', P.SK_REUSEPORT, A.SK_REUSEPORT_SELECT_OR_MIGRATE, ATTACHABLE],
  ['sk_reuseport', P.SK_REUSEPORT, A.SK_REUSEPORT_SELECT, ATTACHABLE],
  ['kprobe+', P.KPROBE, 0, 0],
  ['uprobe+', P.KPROBE, 0, 0],
  ['uprobe.s+', P.KPROBE, 0, SLEEPABLE],
  ['kretprobe+', P.KPROBE, 0, 0],
  ['uretprobe+', P.KPROBE, 0, 0],
  ['uretprobe.s+', P.KPROBE, 0, SLEEPABLE],
  ['kprobe.multi+', P.KPROBE, A.TRACE_KPROBE_MULTI, 0],
  ['kretprobe.multi+', P.KPROBE, A.TRACE_KPROBE_MULTI, 0],
  ['kprobe.session+', P.KPROBE, A.TRACE_KPROBE_SESSION, 0],
  ['uprobe.multi+', P.KPROBE, A.TRACE_UPROBE_MULTI, 0],
  ['uretprobe.multi+', P.KPROBE, A.TRACE_UPROBE_MULTI, 0],
  ['uprobe.session+', P.KPROBE, A.TRACE_UPROBE_SESSION, 0],
  ['uprobe.multi.s+', P.KPROBE, A.TRACE_UPROBE_MULTI, SLEEPABLE],
  ['uretprobe.multi.s+', P.KPROBE, A.TRACE_UPROBE_MULTI, SLEEPABLE],
  ['uprobe.session.s+', P.KPROBE, A.TRACE_UPROBE_SESSION, SLEEPABLE],
  ['ksyscall+', P.KPROBE, 0, 0],
  ['kretsyscall+', P.KPROBE, 0, 0],
  // libbpf 1.1 has "usdt+" without SEC_USDT: it always loads usdt programs as plain kprobes.
  ['usdt+', P.KPROBE, 0, USDT],
  ['usdt.s+', P.KPROBE, 0, USDT | SLEEPABLE],
  // "tc/ingress" and "tc/egress" are aliases of tcx; plain "tc", "classifier", "action" are legacy cls_bpf.
  ['tc/ingress', P.SCHED_CLS, A.TCX_INGRESS, 0],
  ['tc/egress', P.SCHED_CLS, A.TCX_EGRESS, 0],
  ['tcx/ingress', P.SCHED_CLS, A.TCX_INGRESS, 0],
  ['tcx/egress', P.SCHED_CLS, A.TCX_EGRESS, 0],
  ['tc', P.SCHED_CLS, 0, 0],
  ['classifier', P.SCHED_CLS, 0, 0],
  ['action', P.SCHED_ACT, 0, 0],
  ['netkit/primary', P.SCHED_CLS, A.NETKIT_PRIMARY, 0],
  ['netkit/peer', P.SCHED_CLS, A.NETKIT_PEER, 0],
  ['tracepoint+', P.TRACEPOINT, 0, 0],
  ['tp+', P.TRACEPOINT, 0, 0],
  ['raw_tracepoint+', P.RAW_TRACEPOINT, 0, 0],
  ['raw_tp+', P.RAW_TRACEPOINT, 0, 0],
  ['raw_tracepoint.w+', P.RAW_TRACEPOINT_WRITABLE, 0, 0],
  ['raw_tp.w+', P.RAW_TRACEPOINT_WRITABLE, 0, 0],
  ['tp_btf+', P.TRACING, A.TRACE_RAW_TP, ATTACH_BTF],
  ['fentry+', P.TRACING, A.TRACE_FENTRY, ATTACH_BTF],
  ['fmod_ret+', P.TRACING, A.MODIFY_RETURN, ATTACH_BTF],
  ['fexit+', P.TRACING, A.TRACE_FEXIT, ATTACH_BTF],
  ['fentry.s+', P.TRACING, A.TRACE_FENTRY, ATTACH_BTF | SLEEPABLE],
  ['fmod_ret.s+', P.TRACING, A.MODIFY_RETURN, ATTACH_BTF | SLEEPABLE],
  ['fexit.s+', P.TRACING, A.TRACE_FEXIT, ATTACH_BTF | SLEEPABLE],
  ['freplace+', P.EXT, 0, ATTACH_BTF],
  ['lsm+', P.LSM, A.LSM_MAC, ATTACH_BTF],
  ['lsm.s+', P.LSM, A.LSM_MAC, ATTACH_BTF | SLEEPABLE],
  ['lsm_cgroup+', P.LSM, A.LSM_CGROUP, ATTACH_BTF],
  ['iter+', P.TRACING, A.TRACE_ITER, ATTACH_BTF],
  ['iter.s+', P.TRACING, A.TRACE_ITER, ATTACH_BTF | SLEEPABLE],
  ['syscall', P.SYSCALL, 0, SLEEPABLE],
  ['xdp.frags/devmap', P.XDP, A.XDP_DEVMAP, XDP_FRAGS],
  ['xdp/devmap', P.XDP, A.XDP_DEVMAP, ATTACHABLE],
  ['xdp.frags/cpumap', P.XDP, A.XDP_CPUMAP, XDP_FRAGS],
  ['xdp/cpumap', P.XDP, A.XDP_CPUMAP, ATTACHABLE],
  ['xdp.frags', P.XDP, A.XDP, XDP_FRAGS],
  ['xdp', P.XDP, A.XDP, ATTACHABLE_OPT],
  ['perf_event', P.PERF_EVENT, 0, 0],
  ['lwt_in', P.LWT_IN, 0, 0],
  ['lwt_out', P.LWT_OUT, 0, 0],
  ['lwt_xmit', P.LWT_XMIT, 0, 0],
  ['lwt_seg6local', P.LWT_SEG6LOCAL, 0, 0],
  ['sockops', P.SOCK_OPS, A.CGROUP_SOCK_OPS, ATTACHABLE_OPT],
  ['sk_skb/stream_parser', P.SK_SKB, A.SK_SKB_STREAM_PARSER, ATTACHABLE_OPT],
  ['sk_skb/stream_verdict', P.SK_SKB, A.SK_SKB_STREAM_VERDICT, ATTACHABLE_OPT],
  ['sk_skb/verdict', P.SK_SKB, A.SK_SKB_VERDICT, ATTACHABLE_OPT],
  ['sk_skb', P.SK_SKB, 0, 0],
  ['sk_msg', P.SK_MSG, A.SK_MSG_VERDICT, ATTACHABLE_OPT],
  ['lirc_mode2', P.LIRC_MODE2, A.LIRC_MODE2, ATTACHABLE_OPT],
  ['flow_dissector', P.FLOW_DISSECTOR, A.FLOW_DISSECTOR, ATTACHABLE_OPT],
  ['cgroup_skb/ingress', P.CGROUP_SKB, A.CGROUP_INET_INGRESS, ATTACHABLE_OPT],
  ['cgroup_skb/egress', P.CGROUP_SKB, A.CGROUP_INET_EGRESS, ATTACHABLE_OPT],
  ['cgroup/skb', P.CGROUP_SKB, 0, 0],
  ['cgroup/sock_create', P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE, ATTACHABLE],
  ['cgroup/sock_release', P.CGROUP_SOCK, A.CGROUP_INET_SOCK_RELEASE, ATTACHABLE],
  ['cgroup/sock', P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE, ATTACHABLE_OPT],
  ['cgroup/post_bind4', P.CGROUP_SOCK, A.CGROUP_INET4_POST_BIND, ATTACHABLE],
  ['cgroup/post_bind6', P.CGROUP_SOCK, A.CGROUP_INET6_POST_BIND, ATTACHABLE],
  ['cgroup/bind4', P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_BIND, ATTACHABLE],
  ['cgroup/bind6', P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_BIND, ATTACHABLE],
  ['cgroup/connect4', P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_CONNECT, ATTACHABLE],
  ['cgroup/connect6', P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_CONNECT, ATTACHABLE],
  ['cgroup/connect_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_CONNECT, ATTACHABLE],
  ['cgroup/sendmsg4', P.CGROUP_SOCK_ADDR, A.CGROUP_UDP4_SENDMSG, ATTACHABLE],
  ['cgroup/sendmsg6', P.CGROUP_SOCK_ADDR, A.CGROUP_UDP6_SENDMSG, ATTACHABLE],
  ['cgroup/sendmsg_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_SENDMSG, ATTACHABLE],
  ['cgroup/recvmsg4', P.CGROUP_SOCK_ADDR, A.CGROUP_UDP4_RECVMSG, ATTACHABLE],
  ['cgroup/recvmsg6', P.CGROUP_SOCK_ADDR, A.CGROUP_UDP6_RECVMSG, ATTACHABLE],
  ['cgroup/recvmsg_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_RECVMSG, ATTACHABLE],
  ['cgroup/getpeername4', P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_GETPEERNAME, ATTACHABLE],
  ['cgroup/getpeername6', P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_GETPEERNAME, ATTACHABLE],
  ['cgroup/getpeername_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_GETPEERNAME, ATTACHABLE],
  ['cgroup/getsockname4', P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_GETSOCKNAME, ATTACHABLE],
  ['cgroup/getsockname6', P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_GETSOCKNAME, ATTACHABLE],
  ['cgroup/getsockname_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_GETSOCKNAME, ATTACHABLE],
  ['cgroup/sysctl', P.CGROUP_SYSCTL, A.CGROUP_SYSCTL, ATTACHABLE],
  ['cgroup/getsockopt', P.CGROUP_SOCKOPT, A.CGROUP_GETSOCKOPT, ATTACHABLE],
  ['cgroup/setsockopt', P.CGROUP_SOCKOPT, A.CGROUP_SETSOCKOPT, ATTACHABLE],
  ['cgroup/dev', P.CGROUP_DEVICE, A.CGROUP_DEVICE, ATTACHABLE_OPT],
  ['struct_ops+', P.STRUCT_OPS, 0, 0],
  ['struct_ops.s+', P.STRUCT_OPS, 0, SLEEPABLE],
  ['sk_lookup', P.SK_LOOKUP, A.SK_LOOKUP, ATTACHABLE],
  ['netfilter', P.NETFILTER, A.NETFILTER, 0],
];

/** libbpf's section table, in libbpf's order (first match wins). */
export const sectionDefinitions: readonly SectionDefinition[] = Object.freeze(
  table.map(([pattern, programType, expectedAttachType, secFlags]) =>
    Object.freeze({
      pattern,
      programType,
      expectedAttachType,
      attachable: (secFlags & ATTACHABLE) !== 0,
      expectedAttachTypeOptional: (secFlags & ATTACH_OPT) !== 0,
      attachBtf: (secFlags & ATTACH_BTF) !== 0,
      sleepable: (secFlags & SLEEPABLE) !== 0,
      xdpFrags: (secFlags & XDP_FRAGS) !== 0,
      usdt: (secFlags & USDT) !== 0,
      inLibbpf11: !addedAfterLibbpf11.has(pattern),
    }),
  ),
);

/**
 * The attach target when `section` matches `pattern` under libbpf's rules (see SectionDefinition),
 * '' for a match that carries no target, undefined for no match.
 */
function matchSectionPattern(pattern: string, section: string): string | undefined {
  if (pattern.endsWith('/')) {
    return section.startsWith(pattern) ? section.slice(pattern.length) : undefined;
  }
  if (pattern.endsWith('+')) {
    const name = pattern.slice(0, -1);
    if (section === name) return '';
    return section.startsWith(`${name}/`) ? section.slice(name.length + 1) : undefined;
  }
  return section === pattern ? '' : undefined;
}

/**
 * Resolves an ELF section name the way libbpf 1.x does at open: one leading '?' turns autoload off
 * and is dropped, then the first matching definition wins. `definitions` lets a bespoke loader put
 * its own entries first (like libbpf_register_prog_handler()). Undefined when nothing matches,
 * where libbpf leaves the program type unset and refuses to load it.
 */
export function parseSectionName(
  section: string,
  definitions: readonly SectionDefinition[] = sectionDefinitions,
): ParsedSection | undefined {
  // Objects repeat a handful of section names: remember the answers for the built-in table.
  if (definitions !== sectionDefinitions) return matchSection(section, definitions);
  if (!parsedSections.has(section)) {
    if (parsedSections.size >= PARSED_SECTIONS_KEPT) parsedSections.clear();
    const parsed = matchSection(section, definitions);
    parsedSections.set(section, parsed && Object.freeze(parsed));
  }
  return parsedSections.get(section);
}

const PARSED_SECTIONS_KEPT = 1024;
const parsedSections = new Map<string, Readonly<ParsedSection> | undefined>();

function matchSection(section: string, definitions: readonly SectionDefinition[]): ParsedSection | undefined {
  const autoload = !section.startsWith('?');
  const name = autoload ? section : section.slice(1);
  for (const definition of definitions) {
    const attachTarget = matchSectionPattern(definition.pattern, name);
    if (attachTarget === undefined) continue;
    let flags = 0;
    if (definition.sleepable) flags |= ProgramFlag.SLEEPABLE;
    // libbpf adds XDP_HAS_FRAGS only when the program really is XDP (a custom entry may say otherwise).
    if (definition.xdpFrags && definition.programType === ProgramType.XDP) flags |= ProgramFlag.XDP_HAS_FRAGS;
    return {
      programType: definition.programType,
      expectedAttachType: definition.expectedAttachType,
      attachTarget,
      flags,
      autoload,
      definition,
    };
  }
  return undefined;
}
