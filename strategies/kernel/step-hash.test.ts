import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.ts';
import { fnv1a32, stepsHash } from './step-hash.ts';

describe('step hash', () => {
  it('is FNV-1a 32', () => {
    // Reference values of 32-bit FNV-1a.
    expect(fnv1a32('')).toBe('811c9dc5');
    expect(fnv1a32('a')).toBe('e40c292c');
    expect(fnv1a32('foobar')).toBe('bf9cf968');
  });

  it('ignores key order and undefined members', () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: undefined }] })).toBe('{"a":[{"y":2}],"b":1}');
    expect(stepsHash([{ setCanaryScale: { weight: 5, replicas: 1 } }])).toBe(
      stepsHash([{ setCanaryScale: { replicas: 1, weight: 5 } }]),
    );
  });

  it('changes when the steps change', () => {
    expect(stepsHash([{ setWeight: 20 }])).not.toBe(stepsHash([{ setWeight: 30 }]));
    expect(stepsHash([{ setWeight: 20 }, { pause: {} }])).not.toBe(
      stepsHash([{ pause: {} }, { setWeight: 20 }]),
    );
  });
});
