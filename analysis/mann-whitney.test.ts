import { describe, expect, it } from 'vitest';
import { exactCdf, mannWhitneyU } from './mann-whitney.ts';

describe('mannWhitneyU against published reference values', () => {
  // R documentation of wilcox.test, example "Two-sample test" (Hollander & Wolfe, 1973, p. 69:
  // permeability constants of the human chorioamnion): wilcox.test(x, y, alternative = "g")
  // prints W = 35, p-value = 0.1272 (exact); the two-sided p-value is twice that.
  const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
  const y = [1.15, 0.88, 0.9, 0.74, 1.21];

  it('R wilcox.test example: W = 35, exact two-sided p = 2 x 0.1272', () => {
    const result = mannWhitneyU(x, y);
    expect(result).toMatchObject({ u: 35, method: 'exact' });
    expect(result.pValue).toBeCloseTo(2 * 0.1272, 4);
  });

  // SciPy documentation of scipy.stats.mannwhitneyu (example after Mann & Whitney, 1947: ages of
  // male and female participants): U1 = 17.0, exact p = 0.1111..., asymptotic p = 0.11134688653314041.
  const males = [19, 22, 16, 29, 24];
  const females = [20, 11, 17, 12];

  it('SciPy mannwhitneyu example: U = 17, exact p = 0.1111', () => {
    const result = mannWhitneyU(males, females);
    expect(result.u).toBe(17);
    expect(result.pValue).toBeCloseTo(1 / 9, 12);
  });

  it('SciPy mannwhitneyu example, asymptotic (continuity-corrected): p = 0.11134688653314041', () => {
    expect(mannWhitneyU(males, females, 'normal').pValue).toBeCloseTo(0.11134688653314041, 12);
  });

  // Critical values of U for a two-tailed test at alpha = 0.05 (the standard textbook table, e.g.
  // Siegel & Castellan, Nonparametric Statistics, 1988, Table J; also Zar, Biostatistical Analysis,
  // Table B.11): the largest U with P(U <= U_crit) <= 0.025.
  it.each([
    [5, 5, 2],
    [6, 6, 5],
    [7, 7, 8],
    [8, 8, 13],
    [10, 10, 23],
    [20, 20, 127],
  ])('critical U for n1 = %i, n2 = %i is %i', (n1, n2, critical) => {
    const cdf = exactCdf(n1, n2);
    expect(cdf[critical]).toBeLessThanOrEqual(0.025);
    expect(cdf[critical + 1]).toBeGreaterThan(0.025);
  });

  it('uses the normal approximation with tie correction when values tie', () => {
    const result = mannWhitneyU([1, 2, 2, 3], [2, 4, 5]);
    // ranks: 1 -> 1, the three 2s -> 3, 3 -> 5, 4 -> 6, 5 -> 7: R_x = 12, W = 12 - 10 = 2
    expect(result).toMatchObject({ u: 2, method: 'normal' });
    // sigma^2 = 4*3/12 * (8 - (27 - 3) / (7 * 6)) = 52/7; z = (2 - 6 + 0.5) / sqrt(52/7)
    const z = -3.5 / Math.sqrt(52 / 7);
    expect(z).toBeCloseTo(-1.2841, 4);
    expect(result.pValue).toBeCloseTo(0.19911, 4); // 2 Phi(-1.2841)
  });

  it('is symmetric: swapping the samples gives U = n1 n2 - U and the same p-value', () => {
    const a = mannWhitneyU(x, y);
    const b = mannWhitneyU(y, x);
    expect(b.u).toBe(x.length * y.length - a.u);
    expect(b.pValue).toBeCloseTo(a.pValue, 12);
  });

  it('gives p = 1 when every value is equal, and refuses an empty sample', () => {
    expect(mannWhitneyU([3, 3], [3, 3, 3]).pValue).toBe(1);
    expect(() => mannWhitneyU([], [1])).toThrow(RangeError);
  });
});
