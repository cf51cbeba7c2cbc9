/**
 * What each canary step asks for, read from `spec.strategy.canary.steps`. Pure.
 *
 * Steps accumulate: the traffic weight is the last `setWeight` reached so far, and a
 * `setCanaryScale` override holds until one with `matchTrafficWeight` (Argo Rollouts semantics).
 */
import { formatDurationMs, parseDurationMs } from '../kernel/duration.ts';
import { InvalidSpecError } from '../kernel/invalid-spec.ts';
import { splitReplicasForWeight, canaryReplicasForWeight } from '../kernel/replicas.ts';
import type { CanaryStep } from '../types.ts';

export const StepKind = {
  setWeight: 'setWeight',
  pause: 'pause',
  setCanaryScale: 'setCanaryScale',
  analysis: 'analysis',
  experiment: 'experiment',
  setHeaderRoute: 'setHeaderRoute',
  setMirrorRoute: 'setMirrorRoute',
} as const;
export type StepKind = (typeof StepKind)[keyof typeof StepKind];

const KINDS = Object.values(StepKind);

/**
 * Argo Rollouts' rule (hasMultipleStepsType): setWeight, pause, experiment and analysis exclude
 * each other; setCanaryScale, setHeaderRoute and setMirrorRoute may join one of them (or each
 * other) in the same step.
 */
export const EXCLUSIVE_STEP_KINDS = [
  StepKind.setWeight,
  StepKind.pause,
  StepKind.experiment,
  StepKind.analysis,
] as const;

/** The actions a step declares, in the order they are described. */
export function stepActions(step: CanaryStep): StepKind[] {
  return KINDS.filter((kind) => step[kind] !== undefined);
}

/**
 * The action that decides when the step is done: the exclusive one if the step has one, else
 * setCanaryScale, else a route. Throws `InvalidSpecError` for no action or two exclusive ones.
 * The others run alongside it (observation.ts: a setCanaryScale beside an analysis also
 * waits for its pods).
 */
export function stepKind(step: CanaryStep, index: number): StepKind {
  const declared = stepActions(step);
  const exclusive = EXCLUSIVE_STEP_KINDS.filter((kind) => step[kind] !== undefined);
  if (declared.length === 0 || exclusive.length > 1) {
    throw new InvalidSpecError(
      `spec.strategy.canary.steps[${index}]`,
      declared.length === 0
        ? `a step must have one of ${KINDS.join(', ')}`
        : `a step may have only one of ${EXCLUSIVE_STEP_KINDS.join(', ')} (found ${exclusive.join(', ')}); setCanaryScale, setHeaderRoute and setMirrorRoute may join it`,
    );
  }
  return (
    exclusive[0] ??
    (step.setCanaryScale !== undefined ? StepKind.setCanaryScale : (declared[0] ?? StepKind.setHeaderRoute))
  );
}

/** Pause length in ms, or undefined for `pause: {}` (until promoted). */
export function pauseDurationMs(step: CanaryStep, index: number): number | undefined {
  const duration = step.pause?.duration;
  if (duration === undefined) return undefined;
  return parseDurationMs(duration, `spec.strategy.canary.steps[${index}].pause.duration`);
}

/**
 * Short text naming a step in events and messages: `setWeight 20`, `pause 5s`, `pause (until
 * promoted)`; a step with several actions names each: `setWeight 20 + setCanaryScale replicas 2`.
 */
export function describeStep(step: CanaryStep, index: number): string {
  stepKind(step, index);
  return stepActions(step)
    .map((kind) => describeAction(step, index, kind))
    .join(' + ');
}

function describeAction(step: CanaryStep, index: number, kind: StepKind): string {
  switch (kind) {
    case StepKind.setWeight:
      return `setWeight ${step.setWeight ?? 0}`;
    case StepKind.pause: {
      const duration = pauseDurationMs(step, index);
      return duration === undefined ? 'pause (until promoted)' : `pause ${formatDurationMs(duration)}`;
    }
    case StepKind.setCanaryScale: {
      const scale = step.setCanaryScale ?? {};
      if (scale.matchTrafficWeight) return 'setCanaryScale matchTrafficWeight';
      return scale.replicas !== undefined
        ? `setCanaryScale replicas ${scale.replicas}`
        : `setCanaryScale weight ${scale.weight ?? 0}`;
    }
    case StepKind.analysis:
      return `analysis ${(step.analysis?.templates ?? []).map((t) => t.templateName).join(',')}`.trimEnd();
    default:
      return kind;
  }
}

/** `Step 2/4 setWeight 60`: 1-based, as operators count. */
export function stepLabel(steps: readonly CanaryStep[], index: number): string {
  const step = steps[index];
  return step === undefined
    ? `Step ${index + 1}/${steps.length}`
    : `Step ${index + 1}/${steps.length} ${describeStep(step, index)}`;
}

/** Rejects what the CRD schema cannot express: weights outside 0..100, negative replicas. */
export function validateSteps(steps: readonly CanaryStep[]): void {
  steps.forEach((step, index) => {
    const field = `spec.strategy.canary.steps[${index}]`;
    stepKind(step, index);
    pauseDurationMs(step, index);
    checkPercent(step.setWeight, `${field}.setWeight`);
    checkPercent(step.setCanaryScale?.weight, `${field}.setCanaryScale.weight`);
    const replicas = step.setCanaryScale?.replicas;
    if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) {
      throw new InvalidSpecError(
        `${field}.setCanaryScale.replicas`,
        `must be a non-negative integer, got ${replicas}`,
      );
    }
  });
}

function checkPercent(value: number | undefined, field: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= 100)) {
    throw new InvalidSpecError(field, `must be an integer from 0 to 100, got ${value}`);
  }
}

/** Traffic weight (percent) in force at step `index`: the last setWeight at or before it. */
export function weightAtStep(steps: readonly CanaryStep[], index: number): number {
  for (let i = Math.min(index, steps.length - 1); i >= 0; i--) {
    const weight = steps[i]?.setWeight;
    if (weight !== undefined) return weight;
  }
  return 0;
}

/** The setCanaryScale override in force at step `index`, if any. */
export function canaryScaleAtStep(steps: readonly CanaryStep[], index: number): CanaryStep['setCanaryScale'] {
  for (let i = Math.min(index, steps.length - 1); i >= 0; i--) {
    const scale = steps[i]?.setCanaryScale;
    if (scale !== undefined) return scale.matchTrafficWeight ? undefined : scale;
  }
  return undefined;
}

export interface StepReplicaTargets {
  /** Traffic weight the step declares (what status.canary.weights reports). */
  weight: number;
  canary: number;
  stable: number;
}

/**
 * Canary and stable pod counts while executing step `index` without a traffic router: the stable
 * serves the share the weight leaves it (at least `replicas - canary`); the canary follows the
 * weight unless setCanaryScale overrides its count.
 */
export function replicaTargetsAtStep(
  steps: readonly CanaryStep[],
  index: number,
  replicas: number,
): StepReplicaTargets {
  const weight = weightAtStep(steps, index);
  const split = splitReplicasForWeight(replicas, weight);
  const scale = canaryScaleAtStep(steps, index);
  let canary = split.canary;
  if (scale?.replicas !== undefined) canary = scale.replicas;
  else if (scale?.weight !== undefined) canary = canaryReplicasForWeight(replicas, scale.weight);
  // A canary scaled below its weight's share must not take pods from the stable: the rollout
  // keeps `replicas` pods in all, or a small override (setCanaryScale replicas 2 with setWeight 50
  // of 7) would leave fewer than replicas - maxUnavailable and the step could never complete.
  return { weight, canary, stable: Math.max(split.stable, replicas - canary) };
}
