import { describe, expect, it } from 'vitest';
import { redactor } from './args.ts';
import { MAX_VALUE_TEXT, compileMetricConditions, measurementFromOutcome } from './measurement.ts';
import type { MetricConditions, ProviderOutcome } from './measurement.ts';
import { T0 } from '../test/support/analysis/fixtures.ts';

function conditions(successCondition?: string, failureCondition?: string): MetricConditions {
  const compiled = compileMetricConditions({ name: 'm', successCondition, failureCondition });
  if (!compiled.ok) throw new Error(compiled.error);
  return compiled.conditions;
}

function measure(
  outcome: ProviderOutcome,
  metricConditions: MetricConditions,
  redact?: (t: string) => string,
) {
  return measurementFromOutcome({
    outcome,
    conditions: metricConditions,
    startedAt: T0,
    finishedAt: T0 + 1500,
    redact,
  });
}

describe('compileMetricConditions', () => {
  it('names the metric and field of a bad condition', () => {
    const compiled = compileMetricConditions({ name: 'rate', failureCondition: 'result >' });
    expect(compiled).toEqual({
      ok: false,
      error:
        "metrics[rate].failureCondition: Unexpected token: EOF at column 9 in 'result >'; as Argo expr: unexpected end of the expression",
    });
  });
});

describe('measurementFromOutcome', () => {
  it('judges the value with both conditions and records times', () => {
    const both = conditions('result[0] >= 0.95', 'result[0] < 0.9');
    expect(measure({ value: [0.97], display: '[0.97]' }, both)).toEqual({
      phase: 'Successful',
      value: '[0.97]',
      startedAt: '2026-01-02T15:00:00.000Z',
      finishedAt: '2026-01-02T15:00:01.500Z',
    });
    expect(measure({ value: [0.8], display: '[0.8]' }, both).phase).toBe('Failed');
    expect(measure({ value: [0.92], display: '[0.92]' }, both).phase).toBe('Inconclusive');
  });

  it('passes any value without conditions', () => {
    expect(measure({ value: 'anything', display: 'anything' }, {}).phase).toBe('Successful');
  });

  it('turns a provider error into an Error measurement', () => {
    expect(measure({ error: 'query returned NaN' }, conditions('result > 1'))).toMatchObject({
      phase: 'Error',
      message: 'query returned NaN',
    });
  });

  it('turns a condition that cannot be evaluated into an Error with the value', () => {
    const measurement = measure({ value: [], display: '[]' }, conditions('result[0] > 1.0'));
    expect(measurement).toMatchObject({ phase: 'Error', value: '[]' });
    expect(measurement.message).toMatch(/^successCondition: .*index out of bounds/);
  });

  it('masks secrets in the value and the message', () => {
    const redact = redactor(['hunter2']);
    expect(measure({ error: 'GET http://x/?key=hunter2 timed out' }, {}, redact).message).toBe(
      'GET http://x/?key=***** timed out',
    );
    expect(measure({ value: 'hunter2', display: 'hunter2' }, {}, redact).value).toBe('*****');
  });

  it('truncates long value texts', () => {
    const long = 'x'.repeat(5000);
    expect(measure({ value: long, display: long }, {}).value).toHaveLength(MAX_VALUE_TEXT);
  });
});
