import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDurationMs } from './duration.ts';
import { InvalidSpecError } from './invalid-spec.ts';

describe('parseDurationMs', () => {
  it('reads numbers and digit strings as seconds', () => {
    expect(parseDurationMs(5, 'f')).toBe(5000);
    expect(parseDurationMs('30', 'f')).toBe(30_000);
  });

  it('reads Go-style durations', () => {
    expect(parseDurationMs('5s', 'f')).toBe(5000);
    expect(parseDurationMs('1m', 'f')).toBe(60_000);
    expect(parseDurationMs('1h', 'f')).toBe(3_600_000);
    expect(parseDurationMs('1m30s', 'f')).toBe(90_000);
    expect(parseDurationMs('1.5h', 'f')).toBe(5_400_000);
    expect(parseDurationMs('250ms', 'f')).toBe(250);
  });

  it('accepts every form the CRD accepts (one grammar): microseconds and a bare 0', () => {
    expect(parseDurationMs('1500us', 'f')).toBe(2);
    expect(parseDurationMs('0', 'f')).toBe(0);
    expect(parseDurationMs(0, 'f')).toBe(0);
  });

  it('rejects anything else, naming the field', () => {
    for (const bad of ['', '5 minutes', '-5s', '1d', 's', ' 5s', '.5s']) {
      expect(() => parseDurationMs(bad, 'spec.strategy.canary.steps[1].pause.duration')).toThrow(
        InvalidSpecError,
      );
    }
    expect(() => parseDurationMs(-1, 'spec.x')).toThrow(/spec\.x/);
    expect(() => parseDurationMs(1.5, 'spec.x')).toThrow(/spec\.x/);
  });
});

describe('formatDurationMs', () => {
  it('prints the short human form', () => {
    expect(formatDurationMs(5000)).toBe('5s');
    expect(formatDurationMs(90_000)).toBe('1m30s');
    expect(formatDurationMs(3_600_000)).toBe('1h');
    expect(formatDurationMs(250)).toBe('250ms');
    expect(formatDurationMs(0)).toBe('0s');
  });
});
