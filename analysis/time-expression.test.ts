import { describe, expect, it } from 'vitest';
import { evaluateTimeExpression } from './time-expression.ts';
import { T0 } from '../test/support/analysis/fixtures.ts';

function ms(expression: string): number {
  const outcome = evaluateTimeExpression(expression, T0);
  if (!outcome.ok) throw new Error(outcome.error);
  return outcome.ms;
}

function error(expression: string): string {
  const outcome = evaluateTimeExpression(expression, T0);
  if (outcome.ok) throw new Error(`expected '${expression}' to be rejected`);
  return outcome.error;
}

describe('evaluateTimeExpression', () => {
  it('reads now() and durations, in either quote style', () => {
    expect(ms('now()')).toBe(T0);
    expect(ms("now() - duration('5m')")).toBe(T0 - 300_000);
    expect(ms('now() - duration("1h30m")')).toBe(T0 - 5_400_000);
    expect(ms("now() + duration('30s')")).toBe(T0 + 30_000);
  });

  it('reads RFC 3339 timestamps and Unix seconds', () => {
    expect(ms('2026-01-02T15:00:00Z')).toBe(T0);
    expect(ms(String(T0 / 1000))).toBe(T0);
    expect(ms("timestamp('2026-01-02T15:00:00Z') - duration('1m')")).toBe(T0 - 60_000);
  });

  it('rejects expressions that are not timestamps, saying why', () => {
    expect(error("duration('5m')")).toMatch(/of type google.protobuf.Duration, expected a timestamp/);
    expect(error('now() -')).toMatch(/Unexpected token: EOF at column 8/);
    expect(error('yesterday')).toMatch(/Unknown variable: yesterday/);
    expect(error("now() - duration('five minutes')")).toMatch(/duration/i);
  });
});
