import { describe, expect, it } from 'vitest';
import type { MetricInput } from '../src/api/analysis.ts';
import { parseIntOrString } from './int-or-string.ts';
import { resolveMetricLimits } from './resolve-limits.ts';
import { metricLimits, effectiveCount } from './metric-spec.ts';

const metric = (fields: Partial<MetricInput>): MetricInput => ({
  name: 'success-rate',
  provider: { web: { url: 'http://example/' } },
  ...fields,
});

describe('parseIntOrString', () => {
  it('reads integers and digit strings', () => {
    expect(parseIntOrString(3)).toEqual({ ok: true, value: 3 });
    expect(parseIntOrString(' 12 ')).toEqual({ ok: true, value: 12 });
    expect(parseIntOrString('-1')).toEqual({ ok: true, value: -1 });
  });
  it('refuses fractions, words, percentages, unresolved placeholders and values below min', () => {
    expect(parseIntOrString(1.5)).toMatchObject({ ok: false });
    expect(parseIntOrString('two')).toEqual({ ok: false, error: 'must be an integer, got "two"' });
    expect(parseIntOrString('25%')).toMatchObject({ ok: false });
    expect(parseIntOrString('{{args.x}}')).toEqual({
      ok: false,
      error: 'must be an integer, got "{{args.x}}" (an argument placeholder left unresolved)',
    });
    expect(parseIntOrString(-1, 0)).toEqual({ ok: false, error: 'must be at least 0, got -1' });
  });
});

describe('resolveMetricLimits (when the AnalysisRun is made)', () => {
  it('turns every int-or-string limit into the integer its argument gives', () => {
    const out = resolveMetricLimits(
      [
        metric({
          interval: '10s',
          count: '{{args.count}}',
          failureLimit: '{{ args.failures }}',
          inconclusiveLimit: '{{args.inconclusive}}',
          consecutiveErrorLimit: '{{args.errors}}',
          consecutiveSuccessLimit: '2',
        }),
      ],
      [
        { name: 'count', value: '5' },
        { name: 'failures', value: '2' },
        { name: 'inconclusive', value: '1' },
        { name: 'errors', value: '0' },
      ],
    );
    expect(out).toEqual({
      ok: true,
      value: [
        expect.objectContaining({
          count: 5,
          failureLimit: 2,
          inconclusiveLimit: 1,
          consecutiveErrorLimit: 0,
          consecutiveSuccessLimit: 2,
        }),
      ],
    });
    if (!out.ok) return;
    const [resolved] = out.value;
    expect(resolved && metricLimits(resolved)).toEqual({
      failureLimit: 2,
      inconclusiveLimit: 1,
      consecutiveErrorLimit: 0,
      consecutiveSuccessLimit: 2,
    });
    expect(resolved && effectiveCount(resolved)).toBe(5);
  });

  it('names the metric and field when the value is not an integer after substitution', () => {
    expect(
      resolveMetricLimits(
        [metric({ failureLimit: '{{args.failures}}' })],
        [{ name: 'failures', value: 'two' }],
      ),
    ).toEqual({ ok: false, error: 'metrics[success-rate].failureLimit: must be an integer, got "two"' });
    expect(
      resolveMetricLimits([metric({ inconclusiveLimit: '{{args.x}}' })], [{ name: 'x', value: '-3' }]),
    ).toEqual({ ok: false, error: 'metrics[success-rate].inconclusiveLimit: must be at least 0, got -3' });
  });

  it('names an unknown argument', () => {
    expect(resolveMetricLimits([metric({ failureLimit: '{{args.nope}}' })], [])).toEqual({
      ok: false,
      error: 'metrics[success-rate].failureLimit: unknown argument "nope" in {{args.nope}}',
    });
  });

  it('leaves a limit from a Secret argument for the measurement to resolve', () => {
    const out = resolveMetricLimits(
      [metric({ failureLimit: '{{args.secret}}' })],
      [{ name: 'secret', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
    );
    expect(out).toEqual({ ok: true, value: [expect.objectContaining({ failureLimit: '{{args.secret}}' })] });
  });

  it('metricLimits names the field of a limit still not an integer at measurement time', () => {
    expect(() => metricLimits(metric({ consecutiveErrorLimit: 'many' }))).toThrow(
      'metrics[success-rate].consecutiveErrorLimit: must be an integer, got "many"',
    );
  });
});
