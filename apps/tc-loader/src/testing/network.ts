import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * A veth pair for packet tests: `host` stays in this network namespace (where programs attach),
 * `peer` lives in a namespace of its own and sends the traffic. IPv6 is off and the neighbour
 * entry is static, so the host side's ingress sees only the datagrams a test sends.
 */
export interface VethPair {
  netns: string;
  host: string;
  peer: string;
  hostAddress: string;
  hostMac: string;
  /** sends `count` UDP datagrams from the peer to hostAddress:port, one socket each */
  sendUdp(port: number, count: number): void;
  /** the destination MAC the peer puts on frames to hostAddress (a static neighbour entry) */
  setDestinationMac(mac: string): void;
  remove(): void;
}

let made = 0;

export function run(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): string {
  return execFileSync(command, args, { stdio: 'pipe', encoding: 'utf8', ...(env ? { env } : {}) });
}

/** Unique names per process and call: other test processes make veth pairs at the same time. */
export function createVethPair(): VethPair {
  const tag = `${process.pid % 100000}${String.fromCharCode(97 + (made % 26))}`;
  const octet = (process.pid * 8 + made++) % 250;
  const netns = `bpfkit-tc-${tag}`;
  const host = `btc${tag}h`;
  const peer = `btc${tag}p`;
  const hostAddress = `10.213.${octet}.1`;
  const inNs = (...args: string[]) => run('ip', ['-n', netns, ...args]);
  run('ip', ['netns', 'add', netns]);
  const pair: VethPair = {
    netns,
    host,
    peer,
    hostAddress,
    hostMac: '',
    sendUdp(port, count) {
      const script = `for i in $(seq ${count}); do echo x > /dev/udp/${hostAddress}/${port}; done`;
      run('ip', ['netns', 'exec', netns, 'bash', '-c', script]);
    },
    setDestinationMac(mac) {
      inNs('neigh', 'replace', hostAddress, 'lladdr', mac, 'dev', peer, 'nud', 'permanent');
    },
    remove() {
      // Deleting the namespace deletes the peer, and with it the host end of the pair.
      spawnSync('ip', ['netns', 'del', netns]);
      spawnSync('ip', ['link', 'del', host]);
    },
  };
  try {
    run('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', peer]);
    run('ip', ['link', 'set', peer, 'netns', netns]);
    run('sysctl', ['-qw', `net.ipv6.conf.${host}.disable_ipv6=1`]);
    run('ip', ['netns', 'exec', netns, 'sysctl', '-qw', `net.ipv6.conf.${peer}.disable_ipv6=1`]);
    run('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', host]);
    inNs('addr', 'add', `10.213.${octet}.2/30`, 'dev', peer);
    run('ip', ['link', 'set', host, 'up']);
    inNs('link', 'set', peer, 'up');
    pair.hostMac = readFileSync(`/sys/class/net/${host}/address`, 'latin1').trim();
    pair.setDestinationMac(pair.hostMac);
    // and the other way round, so the host never sends an ARP request whose reply would count
    const [peerLink] = JSON.parse(inNs('-j', 'link', 'show', peer)) as { address: string }[];
    run('ip', [
      'neigh',
      'replace',
      `10.213.${octet}.2`,
      'lladdr',
      peerLink!.address,
      'dev',
      host,
      'nud',
      'permanent',
    ]);
  } catch (error) {
    pair.remove();
    throw error;
  }
  return pair;
}

/** bpftool's JSON answer (`bpftool -j ...`). */
export function bpftoolJson(...args: string[]): unknown {
  return JSON.parse(run('bpftool', ['-j', ...args]));
}
