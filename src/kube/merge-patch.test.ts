import { describe, expect, it } from 'vitest';
import { deepEqual, mergePatch } from './merge-patch.ts';

describe('mergePatch', () => {
  it('is undefined for equal objects, whatever the key order', () => {
    expect(mergePatch({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBeUndefined();
  });

  it('sends only changed fields, nulls removed ones, replaces arrays whole', () => {
    const before = {
      phase: 'Paused',
      pauseConditions: [{ reason: 'X' }],
      canary: { weights: { canary: 20, stable: 80 } },
    };
    const after = { phase: 'Progressing', canary: { weights: { canary: 60, stable: 40 } } };
    expect(mergePatch(before, after)).toEqual({
      phase: 'Progressing',
      pauseConditions: null,
      canary: { weights: { canary: 60, stable: 40 } },
    });
  });

  it('treats undefined like absent', () => {
    expect(mergePatch({ a: undefined, b: 1 }, { b: 1, c: undefined })).toBeUndefined();
    expect(deepEqual({ a: undefined }, {})).toBe(true);
  });
});
