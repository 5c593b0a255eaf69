import { describe, expect, it } from 'vitest';
import { parseTcArgs } from './args.js';

describe('parseTcArgs', () => {
  it('reads filter add in tc word order, with classifier and /sys/fs/bpf as defaults', () => {
    expect(parseTcArgs(['filter', 'add', 'dev', 'veth0', 'ingress', 'bpf', 'obj', 'x.o'])).toEqual({
      kind: 'add',
      device: 'veth0',
      direction: 'ingress',
      object: 'x.o',
      section: 'classifier',
      pinRoot: '/sys/fs/bpf',
      json: false,
    });
  });

  it('takes sec, pin-root, da and --json in any order', () => {
    expect(
      parseTcArgs([
        'filter',
        'add',
        '--json',
        'egress',
        'bpf',
        'da',
        'sec',
        '1/0',
        'obj',
        'x.o',
        'dev',
        'e',
        'pin-root',
        '/tmp/b',
      ]),
    ).toEqual({
      kind: 'add',
      device: 'e',
      direction: 'egress',
      object: 'x.o',
      section: '1/0',
      pinRoot: '/tmp/b',
      json: true,
    });
  });

  it('takes --tc-mode for filter add, as two words or one', () => {
    const add = ['filter', 'add', 'dev', 'v', 'ingress', 'bpf', 'obj', 'x.o'];
    expect(parseTcArgs([...add, '--tc-mode', 'netlink'])).toMatchObject({ kind: 'add', mode: 'netlink' });
    expect(parseTcArgs(['--tc-mode=tcx', ...add])).toMatchObject({ kind: 'add', mode: 'tcx' });
    expect(parseTcArgs(add)).not.toHaveProperty('mode');
    expect(() => parseTcArgs([...add, '--tc-mode'])).toThrow('--tc-mode needs tcx or netlink');
    expect(() => parseTcArgs(['filter', 'del', 'dev', 'v', 'ingress', '--tc-mode', 'tcx'])).toThrow(
      '--tc-mode applies to filter add',
    );
  });

  it('reads filter del', () => {
    expect(parseTcArgs(['filter', 'del', 'dev', 'veth0', 'egress', 'pin-root', '/b'])).toEqual({
      kind: 'del',
      device: 'veth0',
      direction: 'egress',
      pinRoot: '/b',
      json: false,
    });
  });

  it.each([[[]], [['--help']], [['filter', 'add', '-h']]])('asks for help with %j', (argv) => {
    expect(parseTcArgs(argv)).toEqual({ kind: 'help' });
  });

  it.each([
    [['qdisc', 'add'], 'unknown object qdisc'],
    [['filter'], 'filter needs add or del'],
    [['filter', 'replace'], 'unknown filter command replace'],
    [['filter', 'add', 'ingress', 'bpf', 'obj', 'x.o'], 'filter add needs dev IFACE'],
    [['filter', 'add', 'dev', 'v', 'bpf', 'obj', 'x.o'], 'filter add needs ingress or egress'],
    [
      ['filter', 'add', 'dev', 'v', 'ingress', 'egress', 'bpf', 'obj', 'x.o'],
      'choose one of ingress and egress',
    ],
    [['filter', 'add', 'dev', 'v', 'ingress', 'obj', 'x.o'], 'filter add needs "bpf obj FILE"'],
    [['filter', 'add', 'dev', 'v', 'ingress', 'bpf'], 'filter add needs obj FILE'],
    [['filter', 'add', 'dev', 'v', 'ingress', 'bpf', 'obj'], 'obj needs a value'],
    [['filter', 'add', 'dev', 'v', 'ingress', 'bpf', 'obj', 'x.o', 'prio', '1'], 'unexpected argument prio'],
    [['filter', 'del', 'dev', 'v', 'ingress', 'obj', 'x.o'], 'unexpected argument obj'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseTcArgs(argv)).toThrow(message);
  });
});
