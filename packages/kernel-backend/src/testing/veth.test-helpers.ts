import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { UdpSocket } from '../linux/udp-socket.js';
import { run } from './attach.test-helpers.js';

/**
 * A veth pair: `host` in this namespace (10.<net>.x.1), `peer` inside a network namespace of its own
 * (10.<net>.x.2), with a permanent neighbour entry so that every datagram sent from the namespace
 * arrives as an IP packet (no ARP a program could drop) and no IPv6 (router solicitations and MLD
 * reports would add packets to the counts). `prefix` keeps the names of two test files apart.
 */
export function createVethPair(prefix: string, net: number) {
  const id = process.pid % 60_000;
  const ns = `bpfkit-${prefix}-${id}`;
  const host = `${prefix.slice(0, 2)}h${id}`;
  const peer = `${prefix.slice(0, 2)}p${id}`;
  const subnet = `10.${net}.${id % 250}`;
  spawnSync('ip', ['netns', 'del', ns]);
  spawnSync('ip', ['link', 'del', host]);
  run('ip', 'netns', 'add', ns);
  run('ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1');
  run('ip', 'link', 'add', host, 'type', 'veth', 'peer', 'name', peer, 'netns', ns);
  writeFileSync(`/proc/sys/net/ipv6/conf/${host}/disable_ipv6`, '1');
  run('ip', 'addr', 'add', `${subnet}.1/24`, 'dev', host);
  run('ip', 'link', 'set', host, 'up');
  run('ip', '-n', ns, 'addr', 'add', `${subnet}.2/24`, 'dev', peer);
  run('ip', '-n', ns, 'link', 'set', peer, 'up');
  run('ip', '-n', ns, 'link', 'set', 'lo', 'up');
  const mac = JSON.parse(run('ip', '-j', 'link', 'show', host))[0].address as string;
  run('ip', '-n', ns, 'neigh', 'add', `${subnet}.1`, 'lladdr', mac, 'dev', peer, 'nud', 'permanent');
  const receiver = UdpSocket.bind(`${subnet}.1`, 0);
  return {
    host,
    /** sends `count` datagrams from the namespace to the host end (bash's /dev/udp); answers how many arrived */
    delivered(count = 5): number {
      receiver.drain();
      const script = `for i in $(seq ${count}); do echo x > /dev/udp/${subnet}.1/${receiver.port}; done`;
      run('ip', 'netns', 'exec', ns, 'bash', '-c', script);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); // let softirq processing finish
      return receiver.drain();
    },
    remove(): void {
      receiver.close();
      spawnSync('ip', ['link', 'del', host]);
      spawnSync('ip', ['netns', 'del', ns]);
    },
  };
}
