import { describe, expect, it } from 'vitest';
import { linkPinPath } from './link-pin.js';

describe('linkPinPath', () => {
  it('names the link after the device and direction, beside tc/globals', () => {
    expect(linkPinPath('/sys/fs/bpf', 'veth0', 'egress')).toBe('/sys/fs/bpf/tc/links/veth0-egress');
  });

  it('refuses a device name bpffs cannot hold', () => {
    expect(() => linkPinPath('/sys/fs/bpf', 'eth0.100', 'ingress')).toThrow(
      'interface name eth0.100 cannot be part of a bpffs pin name',
    );
  });
});
