import { describe, expect, it } from 'vitest';
import { knownSectionPrefixes } from './section-suggestions.js';

describe('the SEC() names offered for an unknown section', () => {
  it('are the names whose first word begins the section', () => {
    expect(knownSectionPrefixes('sk_skb1')).toEqual([
      'sk_skb/stream_parser',
      'sk_skb/stream_verdict',
      'sk_skb/verdict',
      'sk_skb',
    ]);
    expect(knownSectionPrefixes('?xdp_redirect_to_111')).toContain('xdp');
    expect(knownSectionPrefixes('xdp_redirect_to_111')).not.toContain('socket');
  });

  it('are every first word of the table when none begins it', () => {
    const words = knownSectionPrefixes('my_filter');
    expect(words).toEqual(
      expect.arrayContaining(['kprobe', 'socket', 'tc', 'tracepoint', 'xdp', 'struct_ops']),
    );
    expect(new Set(words).size).toBe(words.length);
    expect(words.some((w) => w.includes('/'))).toBe(false);
  });
});
