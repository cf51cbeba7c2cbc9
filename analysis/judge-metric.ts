/**
 * The settings and default conditions of a judge metric (`provider.judge`). Pure.
 *
 * Without conditions every measurement would pass (Argo's rule), which would promote any canary.
 * A judge metric therefore judges by its verdict unless it says otherwise: Successful for pass,
 * Failed for fail, Inconclusive for marginal (Kayenta's marginal result asks for a human).
 */
import type { JudgeMetric, MetricInput } from '../src/api/analysis.ts';
import type { JudgeSettings } from './canary-judge.ts';

/** Defaults of Kayenta's NetflixACAJudge (tolerance, score thresholds) and R (alpha). */
export const JUDGE_DEFAULTS: JudgeSettings = {
  alpha: 0.05,
  tolerance: 0.25,
  minSamples: 10,
  passScore: 95,
  marginalScore: 75,
};

export const DEFAULT_JUDGE_CONDITIONS = {
  successCondition: "result.verdict == 'pass'",
  failureCondition: "result.verdict == 'fail'",
} as const;

export function judgeSettings(spec: JudgeMetric): JudgeSettings {
  return {
    alpha: spec.alpha ?? JUDGE_DEFAULTS.alpha,
    tolerance: spec.tolerance ?? JUDGE_DEFAULTS.tolerance,
    minSamples: spec.minSamples ?? JUDGE_DEFAULTS.minSamples,
    passScore: spec.scoreThresholds?.pass ?? JUDGE_DEFAULTS.passScore,
    marginalScore: spec.scoreThresholds?.marginal ?? JUDGE_DEFAULTS.marginalScore,
  };
}

/** The metric with the verdict conditions when it is a judge that sets neither condition. */
export function withJudgeDefaults<M extends MetricInput>(metric: M): M {
  if (metric.provider.judge === undefined) return metric;
  if (metric.successCondition !== undefined || metric.failureCondition !== undefined) return metric;
  return { ...metric, ...DEFAULT_JUDGE_CONDITIONS };
}
