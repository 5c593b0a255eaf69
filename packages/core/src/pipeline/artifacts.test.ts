import { describe, expect, it } from 'vitest';
import { type ArtifactKey, Artifacts, artifactKey } from './artifacts.js';

describe('Artifacts', () => {
  it('keeps one value per key, apart from every other key and every other Artifacts', () => {
    const btf = artifactKey<string>('btf');
    const sections = artifactKey<number[]>('sections');
    const one = new Artifacts();
    const other = new Artifacts();
    one.set(btf, 'parsed');
    one.set(sections, [1, 2]);
    one.set(btf, 'fixed up');
    expect(one.get(btf)).toBe('fixed up');
    expect(one.get(sections)).toEqual([1, 2]);
    expect(other.get(btf)).toBeUndefined();
    expect(other.has(btf)).toBe(false);
  });

  it('tells a value set to undefined from one never set', () => {
    const key = artifactKey<string | undefined>('maybe');
    const artifacts = new Artifacts();
    expect(artifacts.has(key)).toBe(false);
    artifacts.set(key, undefined);
    expect(artifacts.has(key)).toBe(true);
    expect(artifacts.get(key)).toBeUndefined();
  });

  it('takes a key written as a plain object, by identity', () => {
    const handMade: ArtifactKey<number> = { description: 'hand-made' };
    const lookAlike: ArtifactKey<number> = { description: 'hand-made' };
    const artifacts = new Artifacts();
    expect(artifacts.has(handMade)).toBe(false);
    artifacts.set(handMade, 7);
    expect(artifacts.get(handMade)).toBe(7);
    expect(artifacts.has(handMade)).toBe(true);
    expect(artifacts.get(lookAlike)).toBeUndefined();
  });
});
