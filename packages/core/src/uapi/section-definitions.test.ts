import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProgramFlag } from './bpf-constants.js';
import { AttachType as A, ProgramType as P } from './program-types.js';
import { parseSectionName, type SectionDefinition, sectionDefinitions } from './section-definitions.js';

const S = ProgramFlag.SLEEPABLE;
const FRAGS = ProgramFlag.XDP_HAS_FRAGS;
const UPROBE_SESSION = 57;

// [section, program type, expected attach type, attach target, flags]; the libbpf 1.1 answers
// (type and attach type) were checked with libbpf 1.1.2's libbpf_prog_type_by_name().
type Match = readonly [string, number, number, string, number];
const matches: readonly Match[] = [
  ['socket', P.SOCKET_FILTER, 0, '', 0],
  ['sk_reuseport', P.SK_REUSEPORT, A.SK_REUSEPORT_SELECT, '', 0],
  ['sk_reuseport/migrate', P.SK_REUSEPORT, A.SK_REUSEPORT_SELECT_OR_MIGRATE, '', 0],
  ['kprobe', P.KPROBE, 0, '', 0],
  ['kprobe/do_unlinkat', P.KPROBE, 0, 'do_unlinkat', 0],
  ['kprobe/', P.KPROBE, 0, '', 0],
  ['kretprobe/do_unlinkat', P.KPROBE, 0, 'do_unlinkat', 0],
  ['uprobe', P.KPROBE, 0, '', 0],
  ['uprobe//bin/bash:readline', P.KPROBE, 0, '/bin/bash:readline', 0],
  ['uprobe.s//usr/lib/libc.so.6:malloc', P.KPROBE, 0, '/usr/lib/libc.so.6:malloc', S],
  ['uretprobe/libc.so.6:free+0x10', P.KPROBE, 0, 'libc.so.6:free+0x10', 0],
  ['uretprobe.s', P.KPROBE, 0, '', S],
  ['kprobe.multi/tcp_*', P.KPROBE, A.TRACE_KPROBE_MULTI, 'tcp_*', 0],
  ['kretprobe.multi/vfs_*', P.KPROBE, A.TRACE_KPROBE_MULTI, 'vfs_*', 0],
  ['kprobe.session/bpf_fentry_test*', P.KPROBE, A.TRACE_KPROBE_SESSION, 'bpf_fentry_test*', 0],
  ['uprobe.multi//bin/bash:read*', P.KPROBE, A.TRACE_UPROBE_MULTI, '/bin/bash:read*', 0],
  ['uretprobe.multi.s/libc:f', P.KPROBE, A.TRACE_UPROBE_MULTI, 'libc:f', S],
  ['uprobe.session//bin/bash:main', P.KPROBE, UPROBE_SESSION, '/bin/bash:main', 0],
  ['uprobe.session.s/x:y', P.KPROBE, UPROBE_SESSION, 'x:y', S],
  ['ksyscall/execve', P.KPROBE, 0, 'execve', 0],
  ['kretsyscall/openat', P.KPROBE, 0, 'openat', 0],
  ['usdt', P.KPROBE, 0, '', 0],
  ['usdt/libc.so.6:libc:setjmp', P.KPROBE, 0, 'libc.so.6:libc:setjmp', 0],
  ['usdt.s/a:b:c', P.KPROBE, 0, 'a:b:c', S],
  ['tc', P.SCHED_CLS, 0, '', 0],
  ['tc/ingress', P.SCHED_CLS, A.TCX_INGRESS, '', 0],
  ['tc/egress', P.SCHED_CLS, A.TCX_EGRESS, '', 0],
  ['tcx/ingress', P.SCHED_CLS, A.TCX_INGRESS, '', 0],
  ['tcx/egress', P.SCHED_CLS, A.TCX_EGRESS, '', 0],
  ['classifier', P.SCHED_CLS, 0, '', 0],
  ['action', P.SCHED_ACT, 0, '', 0],
  ['netkit/primary', P.SCHED_CLS, A.NETKIT_PRIMARY, '', 0],
  ['netkit/peer', P.SCHED_CLS, A.NETKIT_PEER, '', 0],
  ['tracepoint/syscalls/sys_enter_execve', P.TRACEPOINT, 0, 'syscalls/sys_enter_execve', 0],
  ['tp/syscalls/sys_enter_execve', P.TRACEPOINT, 0, 'syscalls/sys_enter_execve', 0],
  ['tp', P.TRACEPOINT, 0, '', 0],
  ['raw_tracepoint/sched_switch', P.RAW_TRACEPOINT, 0, 'sched_switch', 0],
  ['raw_tp/sys_enter', P.RAW_TRACEPOINT, 0, 'sys_enter', 0],
  ['raw_tracepoint.w/bpf_test_finish', P.RAW_TRACEPOINT_WRITABLE, 0, 'bpf_test_finish', 0],
  ['raw_tp.w/foo', P.RAW_TRACEPOINT_WRITABLE, 0, 'foo', 0],
  ['tp_btf/sched_switch', P.TRACING, A.TRACE_RAW_TP, 'sched_switch', 0],
  ['fentry/do_unlinkat', P.TRACING, A.TRACE_FENTRY, 'do_unlinkat', 0],
  ['fentry', P.TRACING, A.TRACE_FENTRY, '', 0],
  ['fmod_ret/bpf_modify_return_test', P.TRACING, A.MODIFY_RETURN, 'bpf_modify_return_test', 0],
  ['fexit/do_unlinkat', P.TRACING, A.TRACE_FEXIT, 'do_unlinkat', 0],
  ['fentry.s/__x64_sys_setdomainname', P.TRACING, A.TRACE_FENTRY, '__x64_sys_setdomainname', S],
  ['fmod_ret.s/f', P.TRACING, A.MODIFY_RETURN, 'f', S],
  ['fexit.s/f', P.TRACING, A.TRACE_FEXIT, 'f', S],
  ['freplace/xdp_dummy', P.EXT, 0, 'xdp_dummy', 0],
  ['lsm/file_open', P.LSM, A.LSM_MAC, 'file_open', 0],
  ['lsm.s/bprm_committed_creds', P.LSM, A.LSM_MAC, 'bprm_committed_creds', S],
  ['lsm_cgroup/socket_bind', P.LSM, A.LSM_CGROUP, 'socket_bind', 0],
  ['iter/task', P.TRACING, A.TRACE_ITER, 'task', 0],
  ['iter.s/task_file', P.TRACING, A.TRACE_ITER, 'task_file', S],
  ['syscall', P.SYSCALL, 0, '', S],
  ['xdp', P.XDP, A.XDP, '', 0],
  ['xdp/devmap', P.XDP, A.XDP_DEVMAP, '', 0],
  ['xdp/cpumap', P.XDP, A.XDP_CPUMAP, '', 0],
  ['xdp.frags', P.XDP, A.XDP, '', FRAGS],
  ['xdp.frags/devmap', P.XDP, A.XDP_DEVMAP, '', FRAGS],
  ['xdp.frags/cpumap', P.XDP, A.XDP_CPUMAP, '', FRAGS],
  ['perf_event', P.PERF_EVENT, 0, '', 0],
  ['lwt_in', P.LWT_IN, 0, '', 0],
  ['lwt_out', P.LWT_OUT, 0, '', 0],
  ['lwt_xmit', P.LWT_XMIT, 0, '', 0],
  ['lwt_seg6local', P.LWT_SEG6LOCAL, 0, '', 0],
  ['sockops', P.SOCK_OPS, A.CGROUP_SOCK_OPS, '', 0],
  ['sk_skb/stream_parser', P.SK_SKB, A.SK_SKB_STREAM_PARSER, '', 0],
  ['sk_skb/stream_verdict', P.SK_SKB, A.SK_SKB_STREAM_VERDICT, '', 0],
  ['sk_skb/verdict', P.SK_SKB, A.SK_SKB_VERDICT, '', 0],
  ['sk_skb', P.SK_SKB, 0, '', 0],
  ['sk_msg', P.SK_MSG, A.SK_MSG_VERDICT, '', 0],
  ['lirc_mode2', P.LIRC_MODE2, A.LIRC_MODE2, '', 0],
  ['flow_dissector', P.FLOW_DISSECTOR, A.FLOW_DISSECTOR, '', 0],
  ['cgroup_skb/ingress', P.CGROUP_SKB, A.CGROUP_INET_INGRESS, '', 0],
  ['cgroup_skb/egress', P.CGROUP_SKB, A.CGROUP_INET_EGRESS, '', 0],
  ['cgroup/skb', P.CGROUP_SKB, 0, '', 0],
  ['cgroup/sock_create', P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE, '', 0],
  ['cgroup/sock_release', P.CGROUP_SOCK, A.CGROUP_INET_SOCK_RELEASE, '', 0],
  ['cgroup/sock', P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE, '', 0],
  ['cgroup/post_bind4', P.CGROUP_SOCK, A.CGROUP_INET4_POST_BIND, '', 0],
  ['cgroup/post_bind6', P.CGROUP_SOCK, A.CGROUP_INET6_POST_BIND, '', 0],
  ['cgroup/bind4', P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_BIND, '', 0],
  ['cgroup/bind6', P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_BIND, '', 0],
  ['cgroup/connect4', P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_CONNECT, '', 0],
  ['cgroup/connect6', P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_CONNECT, '', 0],
  ['cgroup/connect_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_CONNECT, '', 0],
  ['cgroup/sendmsg4', P.CGROUP_SOCK_ADDR, A.CGROUP_UDP4_SENDMSG, '', 0],
  ['cgroup/sendmsg6', P.CGROUP_SOCK_ADDR, A.CGROUP_UDP6_SENDMSG, '', 0],
  ['cgroup/sendmsg_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_SENDMSG, '', 0],
  ['cgroup/recvmsg4', P.CGROUP_SOCK_ADDR, A.CGROUP_UDP4_RECVMSG, '', 0],
  ['cgroup/recvmsg6', P.CGROUP_SOCK_ADDR, A.CGROUP_UDP6_RECVMSG, '', 0],
  ['cgroup/recvmsg_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_RECVMSG, '', 0],
  ['cgroup/getpeername4', P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_GETPEERNAME, '', 0],
  ['cgroup/getpeername6', P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_GETPEERNAME, '', 0],
  ['cgroup/getpeername_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_GETPEERNAME, '', 0],
  ['cgroup/getsockname4', P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_GETSOCKNAME, '', 0],
  ['cgroup/getsockname6', P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_GETSOCKNAME, '', 0],
  ['cgroup/getsockname_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_GETSOCKNAME, '', 0],
  ['cgroup/sysctl', P.CGROUP_SYSCTL, A.CGROUP_SYSCTL, '', 0],
  ['cgroup/getsockopt', P.CGROUP_SOCKOPT, A.CGROUP_GETSOCKOPT, '', 0],
  ['cgroup/setsockopt', P.CGROUP_SOCKOPT, A.CGROUP_SETSOCKOPT, '', 0],
  ['cgroup/dev', P.CGROUP_DEVICE, A.CGROUP_DEVICE, '', 0],
  ['struct_ops', P.STRUCT_OPS, 0, '', 0],
  ['struct_ops/tcp_cong_init', P.STRUCT_OPS, 0, 'tcp_cong_init', 0],
  ['struct_ops.s/foo', P.STRUCT_OPS, 0, 'foo', S],
  ['sk_lookup', P.SK_LOOKUP, A.SK_LOOKUP, '', 0],
  ['netfilter', P.NETFILTER, A.NETFILTER, '', 0],
];

/** Names above that libbpf 1.1 does not recognize (its answer for them is "no program type"). */
const unknownToLibbpf11 = new Set([
  'kprobe.session/bpf_fentry_test*',
  'uprobe.multi//bin/bash:read*',
  'uretprobe.multi.s/libc:f',
  'uprobe.session//bin/bash:main',
  'uprobe.session.s/x:y',
  'usdt.s/a:b:c',
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
  'struct_ops.s/foo',
  'netfilter',
]);

/** Names that no libbpf (1.1 or current) accepts under its strict 1.x rules. */
const nonMatches = [
  'socketfoo',
  'socket/foo',
  'sk_reuseport/other',
  'kprobe_foo',
  'kprobe.s/foo',
  'tc/foo',
  'classifier/foo',
  'tp_foo',
  'syscall/foo',
  'xdp/foo',
  'xdp_foo',
  'xdp.frags/foo',
  'xdp_devmap',
  'sk_skb/other',
  'cgroup/foo',
  'maps',
  '.maps',
  'license',
  '.text',
  'prog',
  '',
  '?',
  '??xdp',
  'XDP',
];

describe('parseSectionName', () => {
  it.each(matches)('resolves %s', (section, programType, expectedAttachType, attachTarget, flags) => {
    const parsed = parseSectionName(section);
    expect(parsed).toMatchObject({ programType, expectedAttachType, attachTarget, flags, autoload: true });
  });

  it.each(nonMatches)('finds no definition for %j (strict matching)', (section) => {
    expect(parseSectionName(section)).toBeUndefined();
  });

  it('turns autoload off for one leading "?" and matches the rest', () => {
    expect(parseSectionName('?xdp')).toMatchObject({ programType: P.XDP, autoload: false, attachTarget: '' });
    expect(parseSectionName('?tp/sched/sched_switch')).toMatchObject({
      programType: P.TRACEPOINT,
      attachTarget: 'sched/sched_switch',
      autoload: false,
    });
    expect(parseSectionName('?fentry.s/f')?.flags).toBe(ProgramFlag.SLEEPABLE);
  });

  it('keeps the definition it matched, with libbpf flags as booleans', () => {
    const def = parseSectionName('xdp')?.definition;
    expect(def).toMatchObject({ pattern: 'xdp', attachable: true, expectedAttachTypeOptional: true });
    expect(parseSectionName('usdt/a:b:c')?.definition).toMatchObject({ pattern: 'usdt+', usdt: true });
    expect(parseSectionName('lsm_cgroup/socket_bind')?.definition).toMatchObject({
      attachBtf: true,
      sleepable: false,
    });
    expect(parseSectionName('cgroup/connect4')?.definition).toMatchObject({
      attachable: true,
      expectedAttachTypeOptional: false,
    });
  });

  it('marks as new exactly the names libbpf 1.1 does not know', () => {
    for (const [section] of matches) {
      expect(parseSectionName(section)?.definition.inLibbpf11, section).toBe(!unknownToLibbpf11.has(section));
    }
  });

  it('tries caller-supplied definitions in order, before falling through', () => {
    const custom: SectionDefinition = {
      ...sectionDefinitions[0]!,
      pattern: 'xdp/',
      programType: P.SCHED_CLS,
      expectedAttachType: 0,
      xdpFrags: true,
    };
    const table = [custom, ...sectionDefinitions];
    // A trailing '/' demands the separator and takes everything after it as the target.
    expect(parseSectionName('xdp/foo', table)).toMatchObject({
      programType: P.SCHED_CLS,
      attachTarget: 'foo',
    });
    expect(parseSectionName('xdp/', table)).toMatchObject({ programType: P.SCHED_CLS, attachTarget: '' });
    // XDP_HAS_FRAGS is only ever set on XDP programs, as libbpf does.
    expect(parseSectionName('xdp/foo', table)?.flags).toBe(0);
    expect(parseSectionName('xdp', table)?.definition.pattern).toBe('xdp');
  });
});

describe('sectionDefinitions', () => {
  it('has one entry per pattern, each reachable by its own name', () => {
    const patterns = sectionDefinitions.map((d) => d.pattern);
    expect(new Set(patterns).size).toBe(patterns.length);
    for (const def of sectionDefinitions) {
      expect(parseSectionName(def.pattern.replace(/\+$/, ''))?.definition, def.pattern).toBe(def);
    }
  });

  it('puts sleepable and frags flags exactly on the ".s", syscall and ".frags" entries', () => {
    for (const def of sectionDefinitions) {
      const name = def.pattern.replace(/\+$/, '');
      expect(def.sleepable, def.pattern).toBe(/\.s(\/|$)/.test(name) || name === 'syscall');
      expect(def.xdpFrags, def.pattern).toBe(name.startsWith('xdp.frags'));
    }
  });

  it('needs a BTF target exactly for tracing, lsm, iter and freplace entries', () => {
    const btf = sectionDefinitions.filter((d) => d.attachBtf).map((d) => d.pattern);
    expect(btf).toEqual([
      'tp_btf+',
      'fentry+',
      'fmod_ret+',
      'fexit+',
      'fentry.s+',
      'fmod_ret.s+',
      'fexit.s+',
      'freplace+',
      'lsm+',
      'lsm.s+',
      'lsm_cgroup+',
      'iter+',
      'iter.s+',
    ]);
  });

  it('cannot be changed by a caller', () => {
    expect(Object.isFrozen(sectionDefinitions)).toBe(true);
    expect(Object.isFrozen(sectionDefinitions[0])).toBe(true);
  });
});

// The live oracle: a few lines of C against the installed libbpf (Debian's 1.1) answer the same
// questions, and list libbpf's own table, which must be our table minus the entries marked new.
const oracleSource = `
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <bpf/libbpf.h>
static int print_names(enum libbpf_print_level level, const char *fmt, va_list args) {
  if (strstr(fmt, "supported section")) vprintf(fmt, args);
  return 0;
}
int main(void) {
  char line[512];
  enum bpf_prog_type type;
  enum bpf_attach_type attach;
  libbpf_set_print(print_names);
  libbpf_prog_type_by_name("", &type, &attach);
  libbpf_set_print(NULL);
  while (fgets(line, sizeof(line), stdin)) {
    line[strcspn(line, "\\n")] = 0;
    type = 0; attach = 0;
    if (libbpf_prog_type_by_name(line, &type, &attach)) { printf("%s\\tnone\\n", line); continue; }
    enum bpf_attach_type attachable = 0;
    int err = libbpf_attach_type_by_name(line, &attachable);
    printf("%s\\t%d\\t%d\\t%d\\n", line, type, attach, err == 0);
  }
  return 0;
}
`;

function buildOracle(): { binary?: string; why: string } {
  if (!existsSync('/usr/include/bpf/libbpf.h'))
    return { why: 'libbpf headers (libbpf-dev) are not installed' };
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-secdef-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'oracle.c'), oracleSource);
  const binary = join(dir, 'oracle');
  const cc = spawnSync('cc', [join(dir, 'oracle.c'), '-o', binary, '-lbpf'], { encoding: 'utf8' });
  if (cc.status !== 0) return { why: `cannot build the libbpf oracle: ${cc.error?.message ?? cc.stderr}` };
  return { binary, why: '' };
}

const oracle = buildOracle();
if (!oracle.binary && process.env.BPFKIT_REQUIRE_KERNEL === '1') throw new Error(oracle.why);

describe.skipIf(!oracle.binary)(
  `the installed libbpf agrees${oracle.binary ? '' : ` (skipped: ${oracle.why})`}`,
  () => {
    const names = [...matches.map((m) => m[0]), ...nonMatches.filter((n) => n !== '')];
    const run = spawnSync(oracle.binary ?? 'false', { input: `${names.join('\n')}\n`, encoding: 'utf8' });
    const [header = '', ...rows] = run.stdout.trim().split('\n');
    const answers = new Map(rows.map((row) => [row.split('\t')[0] ?? '', row.split('\t').slice(1)]));

    it('lists its table as ours without the entries added since 1.1', () => {
      const theirs = header
        .replace(/^.*are:/, '')
        .trim()
        .split(/\s+/);
      expect(theirs).toEqual(sectionDefinitions.filter((d) => d.inLibbpf11).map((d) => d.pattern));
    });

    it.each(names)('answers the same for %s', (section) => {
      const parsed = parseSectionName(section);
      const answer = answers.get(section);
      if (parsed === undefined || !parsed.definition.inLibbpf11) {
        expect(answer).toEqual(['none']);
        return;
      }
      expect(answer).toEqual([
        String(parsed.programType),
        String(parsed.expectedAttachType),
        parsed.definition.attachable ? '1' : '0',
      ]);
    });
  },
);
