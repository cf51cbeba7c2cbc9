/**
 * The statistical judge of an A/B test: a two-sided two-proportion z-test of B's rate against
 * A's (conversion rate, error rate: successes out of trials per variant). Pure.
 *
 *   pA = sA / nA, pB = sB / nB, p = (sA + sB) / (nA + nB)           (pooled rate under H0: pA = pB)
 *   z  = (pB - pA) / sqrt(p (1 - p) (1/nA + 1/nB))
 *   p-value = 2 Phi(-|z|) = 2 (1 - Phi(|z|))                         (Phi: standard normal CDF)
 *
 * Phi comes from @stdlib/stats-base-dists-normal-cdf (computed from erfc to double precision).
 * The test is Pearson's chi-square test of the 2x2 table variant x outcome without continuity
 * correction (X^2 = z^2), the textbook test for comparing two conversion rates. It needs enough
 * trials for the normal approximation: below `minSamples` trials in either variant the verdict is
 * `notEnoughSamples`, never a winner.
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';

/** Successes out of trials of one variant, as measured (counts, possibly fractional from rate()). */
export interface VariantCounts {
  readonly successes: number;
  readonly trials: number;
}

export interface ComparisonSettings {
  /** Significance level: a p-value below it is a significant difference. */
  readonly alpha: number;
  /** Trials each variant needs before any verdict but notEnoughSamples. */
  readonly minSamples: number;
  /** Whether a higher rate is better (conversion) or a lower one (error rate). */
  readonly better: 'higher' | 'lower';
}

/** better/worse: B differs significantly from A in that direction; noDifference: not significant. */
export type ComparisonVerdict = 'better' | 'worse' | 'noDifference' | 'notEnoughSamples';

export interface VariantRate extends VariantCounts {
  readonly rate: number;
}

/** What conditions see as `result` of a comparison metric. */
export interface ComparisonResult {
  readonly verdict: ComparisonVerdict;
  /** Two-sided p-value; 1 when there is nothing to compare yet. */
  readonly pValue: number;
  readonly z: number;
  /** B's rate minus A's rate (absolute difference). */
  readonly effect: number;
  readonly alpha: number;
  readonly minSamples: number;
  readonly a: VariantRate;
  readonly b: VariantRate;
}

/** Compare B with A. Throws RangeError for counts that are not counts (negative, successes > trials). */
export function twoProportionZTest(
  a: VariantCounts,
  b: VariantCounts,
  settings: ComparisonSettings,
): ComparisonResult {
  checkCounts(a, 'a');
  checkCounts(b, 'b');
  const rateA = a.trials === 0 ? 0 : a.successes / a.trials;
  const rateB = b.trials === 0 ? 0 : b.successes / b.trials;
  const base = {
    alpha: settings.alpha,
    minSamples: settings.minSamples,
    effect: rateB - rateA,
    a: { ...a, rate: rateA },
    b: { ...b, rate: rateB },
  };
  if (a.trials < settings.minSamples || b.trials < settings.minSamples || a.trials === 0 || b.trials === 0) {
    return { ...base, verdict: 'notEnoughSamples', pValue: 1, z: 0 };
  }
  const pooled = (a.successes + b.successes) / (a.trials + b.trials);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / a.trials + 1 / b.trials));
  // Both rates 0 or both 1: no variation at all, so no evidence of a difference.
  if (standardError === 0) return { ...base, verdict: 'noDifference', pValue: 1, z: 0 };
  const z = (rateB - rateA) / standardError;
  // 2 * Phi(-|z|), not 2 * (1 - Phi(|z|)): the tail itself keeps its precision for large |z|.
  const pValue = Math.min(1, 2 * normalCdf(-Math.abs(z), 0, 1));
  if (pValue >= settings.alpha) return { ...base, verdict: 'noDifference', pValue, z };
  const bHigher = z > 0;
  const verdict = bHigher === (settings.better === 'higher') ? 'better' : 'worse';
  return { ...base, verdict, pValue, z };
}

function checkCounts(counts: VariantCounts, name: string): void {
  const { successes, trials } = counts;
  if (!Number.isFinite(successes) || !Number.isFinite(trials) || successes < 0 || trials < 0) {
    throw new RangeError(`variant ${name}: successes ${successes} and trials ${trials} must be counts`);
  }
  if (successes > trials) {
    throw new RangeError(`variant ${name}: successes ${successes} exceed trials ${trials}`);
  }
}

/** `B better than A: 30.0% vs 10.0% (z 3.54, p-value 0.0004 < alpha 0.05, 100 vs 100 trials)`. */
export function describeComparison(result: ComparisonResult): string {
  const rates = `${percent(result.b.rate)} vs ${percent(result.a.rate)}`;
  const trials = `${round(result.b.trials)} vs ${round(result.a.trials)} trials`;
  const stats = `z ${result.z.toFixed(2)}, p-value ${result.pValue.toPrecision(2)}`;
  switch (result.verdict) {
    case 'better':
      return `B better than A: ${rates} (${stats} < alpha ${result.alpha}, ${trials})`;
    case 'worse':
      return `B worse than A: ${rates} (${stats} < alpha ${result.alpha}, ${trials})`;
    case 'noDifference':
      return `no significant difference: ${rates} (${stats} >= alpha ${result.alpha}, ${trials})`;
    case 'notEnoughSamples':
      return `not enough samples yet: ${trials}, ${result.minSamples} needed in each`;
  }
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

function round(value: number): number {
  return Math.round(value);
}
