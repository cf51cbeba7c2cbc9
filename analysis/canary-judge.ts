/**
 * The canary-vs-baseline judge (Kayenta-style), pure: for each metric, compare the canary's
 * samples with the baseline's by the Mann-Whitney U test (./mann-whitney.ts), classify the metric
 * Pass / High / Low / NoData, and score the canary 0-100 by the share of metrics that pass.
 *
 * - NoData: either sample has fewer than `minSamples` values (never a pass: no data is no proof).
 * - High / Low: the difference is significant (p < alpha) and the Hodges-Lehmann shift (the median
 *   of all differences canary_i - baseline_j) exceeds `tolerance` x |median(baseline)| upwards /
 *   downwards. A significant shift within the tolerance is a Pass, as Kayenta's effect-size
 *   tolerance makes it (a large sample finds tiny, harmless differences significant).
 * - A metric passes when it is Pass, or moved only in the direction its `failOn` allows
 *   (failOn increase: Low passes; decrease: High passes; either: neither does).
 * - score = 100 x passing metrics / metrics, rounded to two decimals; verdict pass when
 *   score >= passScore, fail when score < marginalScore, marginal in between.
 */
import { median } from 'simple-statistics';
import { mannWhitneyU } from './mann-whitney.ts';

export type FailOn = 'increase' | 'decrease' | 'either';
export type MetricClassification = 'Pass' | 'High' | 'Low' | 'NoData';
export type JudgeVerdict = 'pass' | 'marginal' | 'fail';

export interface JudgeSettings {
  readonly alpha: number;
  readonly tolerance: number;
  readonly minSamples: number;
  readonly passScore: number;
  readonly marginalScore: number;
}

export interface JudgedSamples {
  readonly name: string;
  readonly failOn: FailOn;
  readonly baseline: readonly number[];
  readonly canary: readonly number[];
}

export interface JudgeMetricResult {
  readonly name: string;
  readonly classification: MetricClassification;
  readonly pass: boolean;
  readonly baselineCount: number;
  readonly canaryCount: number;
  readonly baselineMedian?: number;
  readonly canaryMedian?: number;
  /** Hodges-Lehmann estimate of canary minus baseline. */
  readonly shift?: number;
  readonly u?: number;
  readonly pValue?: number;
}

/** What conditions see as `result` of a judge metric. */
export interface JudgeResult {
  readonly score: number;
  readonly verdict: JudgeVerdict;
  readonly metrics: readonly JudgeMetricResult[];
}

export function judgeCanary(samples: readonly JudgedSamples[], settings: JudgeSettings): JudgeResult {
  if (samples.length === 0) throw new RangeError('the judge needs at least one metric');
  const metrics = samples.map((metric) => classify(metric, settings));
  const passing = metrics.filter((metric) => metric.pass).length;
  const score = Math.round((10_000 * passing) / metrics.length) / 100;
  const verdict: JudgeVerdict =
    score >= settings.passScore ? 'pass' : score < settings.marginalScore ? 'fail' : 'marginal';
  return { score, verdict, metrics };
}

function classify(metric: JudgedSamples, settings: JudgeSettings): JudgeMetricResult {
  const counts = { baselineCount: metric.baseline.length, canaryCount: metric.canary.length };
  if (Math.min(counts.baselineCount, counts.canaryCount) < Math.max(1, settings.minSamples)) {
    return { name: metric.name, classification: 'NoData', pass: false, ...counts };
  }
  const { u, pValue } = mannWhitneyU(metric.canary, metric.baseline);
  const baselineMedian = median([...metric.baseline]);
  const shift = hodgesLehmannShift(metric.canary, metric.baseline);
  const threshold = settings.tolerance * Math.abs(baselineMedian);
  const significant = pValue < settings.alpha;
  const classification: MetricClassification =
    significant && shift > threshold ? 'High' : significant && shift < -threshold ? 'Low' : 'Pass';
  const pass =
    classification === 'Pass' ||
    (classification === 'High' && metric.failOn === 'decrease') ||
    (classification === 'Low' && metric.failOn === 'increase');
  return {
    name: metric.name,
    classification,
    pass,
    ...counts,
    baselineMedian,
    canaryMedian: median([...metric.canary]),
    shift,
    u,
    pValue,
  };
}

/** The median of all pairwise differences x_i - y_j: the location shift Mann-Whitney tests. */
export function hodgesLehmannShift(x: readonly number[], y: readonly number[]): number {
  const differences: number[] = [];
  for (const a of x) for (const b of y) differences.push(a - b);
  return median(differences);
}

/** One line for measurement.value: `score 50 (fail): latency High p=0.0001, errors Pass`. */
export function describeJudgement(result: JudgeResult): string {
  const metrics = result.metrics.map((metric) =>
    metric.pValue === undefined
      ? `${metric.name} ${metric.classification}`
      : `${metric.name} ${metric.classification} p=${metric.pValue.toPrecision(2)}`,
  );
  return `score ${result.score} (${result.verdict}): ${metrics.join(', ')}`;
}
