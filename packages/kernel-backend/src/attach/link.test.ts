import { UsageError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { SimulatedKernel } from '../simulated/simulated-kernel.js';
import { Link } from './link.js';

describe('Link', () => {
  it('runs its teardowns once, last added first, and reports the first failure after running all', () => {
    const sim = new SimulatedKernel();
    const order: string[] = [];
    const link = new Link('perf_event', 'cpus 0,1', sim, undefined, [
      () => order.push('cpu0'),
      () => {
        order.push('cpu1');
        throw new Error('cpu1 failed');
      },
    ]);
    expect(() => link.close()).toThrow('cpu1 failed');
    expect(order).toEqual(['cpu1', 'cpu0']);
    link.close();
    expect(order).toEqual(['cpu1', 'cpu0']);
    expect(link.closed).toBe(true);
  });

  it('cannot pin an attachment that has no BPF link fd', () => {
    const link = new Link('socket_filter', 'socket fd 5', new SimulatedKernel());
    expect(() => link.pin('/sys/fs/bpf/x')).toThrow(UsageError);
    expect(String(link)).toBe('socket_filter link on socket fd 5');
  });
});
