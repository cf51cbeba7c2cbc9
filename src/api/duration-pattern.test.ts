import { describe, expect, it } from 'vitest';
import { DURATION_PATTERN } from './common.ts';
import { durationMs, parseDuration } from '../../strategies/kernel/duration.ts';

// The core's duration grammar (strategies/kernel/duration.ts) against the pattern the CRD enforces.
describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['250ms', 250],
    ['1m30s500ms', 90_500],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '10', 'm', '5 m', '-5s', '1d', '1h-5m', 's5', '.5s'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('agrees with the pattern the CRD enforces', () => {
    const pattern = new RegExp(DURATION_PATTERN);
    for (const text of ['0', '30s', '1h30m', '1.5h', '250ms', '10', '5 m', '1d', '', '.5s']) {
      expect(parseDuration(text) !== undefined, text).toBe(pattern.test(text));
    }
  });
});

describe('durationMs (pause durations, int-or-string)', () => {
  it('reads integers and digit strings as seconds', () => {
    expect(durationMs(30)).toBe(30_000);
    expect(durationMs('30')).toBe(30_000);
    expect(durationMs(0)).toBe(0);
  });

  it('reads duration strings', () => {
    expect(durationMs('10m')).toBe(600_000);
  });

  it('rejects negatives, fractions and garbage', () => {
    expect(durationMs(-1)).toBeUndefined();
    expect(durationMs(1.5)).toBeUndefined();
    expect(durationMs('soon')).toBeUndefined();
  });
});
