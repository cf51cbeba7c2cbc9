import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../tools/demo-app/config.ts';
import { isSelected } from '../../tools/demo-app/even-selection.ts';

describe('demo app configuration from env', () => {
  it('reads every variable a pod template may set', () => {
    expect(
      configFromEnv({
        VERSION: 'v2',
        ERROR_RATE: '0.25',
        LATENCY_MS: '40',
        CONVERSION_RATE: '1',
        PORT: '8080',
      }),
    ).toEqual({ version: 'v2', errorRate: 0.25, latencyMs: 40, conversionRate: 1, port: 8080 });
  });

  it('defaults to a healthy, instant app on a free port', () => {
    expect(configFromEnv({ ERROR_RATE: ' ' })).toEqual({
      version: 'dev',
      errorRate: 0,
      latencyMs: 0,
      conversionRate: 0,
      port: 0,
    });
  });

  it('rejects values a test could not have meant', () => {
    expect(() => configFromEnv({ ERROR_RATE: '30%' })).toThrow('ERROR_RATE must be a number, got "30%"');
    expect(() => configFromEnv({ ERROR_RATE: '1.5' })).toThrow('ERROR_RATE must be between 0 and 1, got 1.5');
    expect(() => configFromEnv({ LATENCY_MS: '-1' })).toThrow('LATENCY_MS must not be negative');
  });
});

describe('even selection of a fraction of events', () => {
  const picked = (n: number, rate: number) =>
    Array.from({ length: n }, (_, i) => isSelected(i + 1, rate))
      .map((s) => (s ? 'x' : '.'))
      .join('');

  it('picks exactly floor(N * rate) of the first N events, spread out', () => {
    expect(picked(10, 0.3)).toBe('...x..x..x');
    expect(picked(8, 0.25)).toBe('...x...x');
    expect(picked(4, 0.5)).toBe('.x.x');
    for (const rate of [0.01, 0.1, 0.3, 0.7, 0.99]) {
      for (const n of [1, 7, 100, 1000]) {
        expect(picked(n, rate).replaceAll('.', '')).toHaveLength(Math.floor(n * rate));
      }
    }
  });

  it('picks nothing at 0 and everything at 1', () => {
    expect(picked(5, 0)).toBe('.....');
    expect(picked(5, 1)).toBe('xxxxx');
  });
});
