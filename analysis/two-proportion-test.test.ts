import { describe, expect, it } from 'vitest';
import { describeComparison, twoProportionZTest, type ComparisonSettings } from './two-proportion-test.ts';

const conversion: ComparisonSettings = { alpha: 0.05, minSamples: 100, better: 'higher' };

describe('twoProportionZTest', () => {
  it('finds B better when its conversion rate is clearly higher (textbook figures)', () => {
    // pooled 0.2, SE sqrt(0.2*0.8*(2/100)) = 0.0566, z = 3.536; chi-square 12.5 on 1 df: p = 0.000407
    const result = twoProportionZTest(
      { successes: 10, trials: 100 },
      { successes: 30, trials: 100 },
      conversion,
    );
    expect(result.verdict).toBe('better');
    expect(result.z).toBeCloseTo(3.5355, 4);
    expect(result.pValue).toBeCloseTo(0.000407, 6);
    expect(result.effect).toBeCloseTo(0.2, 10);
    expect(result.a.rate).toBeCloseTo(0.1, 10);
    expect(result.b.rate).toBeCloseTo(0.3, 10);
  });

  it('finds B worse when lower is better (error rate) and its rate is clearly higher', () => {
    const result = twoProportionZTest(
      { successes: 10, trials: 100 },
      { successes: 30, trials: 100 },
      {
        ...conversion,
        better: 'lower',
      },
    );
    expect(result.verdict).toBe('worse');
  });

  it('sees no significant difference for a small difference (p 0.12 >= 0.05)', () => {
    // pooled 0.105, SE 0.019388, z 1.547, p 0.1218
    const result = twoProportionZTest(
      { successes: 45, trials: 500 },
      { successes: 60, trials: 500 },
      conversion,
    );
    expect(result.verdict).toBe('noDifference');
    expect(result.z).toBeCloseTo(1.5474, 3);
    expect(result.pValue).toBeCloseTo(0.1218, 3);
  });

  it('sees no difference for equal rates (p-value 1) and when neither variant ever converts', () => {
    const equal = twoProportionZTest(
      { successes: 20, trials: 200 },
      { successes: 20, trials: 200 },
      conversion,
    );
    expect(equal).toMatchObject({ verdict: 'noDifference', z: 0, pValue: 1 });
    const none = twoProportionZTest({ successes: 0, trials: 200 }, { successes: 0, trials: 300 }, conversion);
    expect(none).toMatchObject({ verdict: 'noDifference', pValue: 1 });
  });

  it('names no winner below minSamples trials in either variant, however large the difference', () => {
    const result = twoProportionZTest(
      { successes: 0, trials: 99 },
      { successes: 99, trials: 150 },
      conversion,
    );
    expect(result).toMatchObject({ verdict: 'notEnoughSamples', pValue: 1 });
    expect(
      twoProportionZTest(
        { successes: 0, trials: 0 },
        { successes: 0, trials: 0 },
        { ...conversion, minSamples: 0 },
      ).verdict,
    ).toBe('notEnoughSamples');
  });

  it('keeps a tiny p-value for a huge difference instead of rounding it to 0', () => {
    // z 14.4 (as in the e2e test: 30% of 774 vs 10% of 3211): the tail is about 4e-47
    const result = twoProportionZTest(
      { successes: 321, trials: 3211 },
      { successes: 232, trials: 774 },
      conversion,
    );
    expect(result.z).toBeGreaterThan(14);
    expect(result.pValue).toBeGreaterThan(0);
    expect(result.pValue).toBeLessThan(1e-40);
  });

  it('a significance level decides: the same data is significant at 0.15, not at 0.05', () => {
    const a = { successes: 45, trials: 500 };
    const b = { successes: 60, trials: 500 };
    expect(twoProportionZTest(a, b, { ...conversion, alpha: 0.15 }).verdict).toBe('better');
  });

  it('rejects counts that are not counts', () => {
    expect(() =>
      twoProportionZTest({ successes: 5, trials: 4 }, { successes: 1, trials: 10 }, conversion),
    ).toThrow('variant a: successes 5 exceed trials 4');
    expect(() =>
      twoProportionZTest({ successes: 1, trials: 10 }, { successes: Number.NaN, trials: 10 }, conversion),
    ).toThrow('variant b: successes NaN and trials 10 must be counts');
  });

  it('describes the verdict with rates, z, p-value and trials', () => {
    const result = twoProportionZTest(
      { successes: 10, trials: 100 },
      { successes: 30, trials: 100 },
      conversion,
    );
    expect(describeComparison(result)).toBe(
      'B better than A: 30.0% vs 10.0% (z 3.54, p-value 0.00041 < alpha 0.05, 100 vs 100 trials)',
    );
    expect(
      describeComparison(
        twoProportionZTest({ successes: 1, trials: 10 }, { successes: 1, trials: 10 }, conversion),
      ),
    ).toBe('not enough samples yet: 10 vs 10 trials, 100 needed in each');
  });
});
