import { describe, expect, it } from 'vitest';
import { BoundedOutput } from './bounded-output.js';

describe('BoundedOutput', () => {
  it('writes while the reader keeps up, drops and counts past the bound, reports once a second and at the end', () => {
    const written: string[] = [];
    const reports: string[] = [];
    let pending = 0;
    let now = 0;
    const output = new BoundedOutput(
      (line) => {
        written.push(line);
        pending += line.length;
      },
      (line) => reports.push(line),
      { maxPendingBytes: 100, pending: () => pending, now: () => now },
    );
    for (let i = 0; i < 50; i++) output.line('map events', () => `record ${i}`.padEnd(10));
    expect(written).toHaveLength(10);
    expect(output.droppedTotal()).toBe(40);
    expect(reports).toHaveLength(1);
    now += 1000;
    output.line('map events', () => 'late');
    expect(reports).toHaveLength(2);
    pending = 0; // the reader caught up
    output.line('map events', () => 'again');
    expect(written.at(-1)).toBe('again');
    output.finish();
    expect(reports.at(-1)).toBe('bpfkit: map events: dropped 41 records because stdout did not keep up');
  });

  it('never formats a record it drops', () => {
    const output = new BoundedOutput(
      () => {},
      () => {},
      { maxPendingBytes: 0, pending: () => 0 },
    );
    output.line('m', () => {
      throw new Error('formatted');
    });
    expect(output.droppedTotal()).toBe(1);
  });
});
