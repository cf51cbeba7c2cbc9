/**
 * The admission policies of deploy/policies/ (ValidatingAdmissionPolicy, CEL) in TypeScript, so
 * `bellwether lint` reports the same violations offline. Keep both in step: the e2e test
 * test/e2e/policies.test.ts checks the CEL side against a real API server. Pure.
 */
import type { Rollout } from '../api/rollout.ts';

export interface PolicyViolation {
  /** metadata.name of the ValidatingAdmissionPolicy. */
  policy: string;
  /** Field path the violation points at. */
  path: string;
  /** The policy's message (the same text the API server returns). */
  message: string;
}

export const ANALYSIS_BEFORE_FULL = 'bellwether-canary-analysis-before-full';
export const MAX_STEP_WEIGHT = 'bellwether-canary-max-step-weight';
/** The largest increase of the canary weight one setWeight step may make. */
export const MAX_WEIGHT_INCREASE = 50;

export const ANALYSIS_BEFORE_FULL_MESSAGE = 'canary must have an analysis before 100%';
export const MAX_STEP_WEIGHT_MESSAGE = `a setWeight step must not raise the canary weight by more than ${MAX_WEIGHT_INCREASE} points`;

const STEPS = 'spec.strategy.canary.steps';

/**
 * (a) A canary with steps goes to 100% at the first `setWeight: 100` or after its last step; an
 * analysis step must come before that point, unless a background analysis runs.
 */
export function analysisBeforeFull(rollout: Rollout): PolicyViolation[] {
  const canary = rollout.spec.strategy.canary;
  const steps = canary?.steps ?? [];
  if (canary === undefined || steps.length === 0 || canary.analysis !== undefined) return [];
  const full = steps.findIndex((step) => step.setWeight === 100);
  const limit = full < 0 ? steps.length : full;
  if (steps.slice(0, limit).some((step) => step.analysis !== undefined)) return [];
  const path = full < 0 ? STEPS : `${STEPS}[${full}].setWeight`;
  return [{ policy: ANALYSIS_BEFORE_FULL, path, message: ANALYSIS_BEFORE_FULL_MESSAGE }];
}

/** (b) Each setWeight step raises the weight (from the previous setWeight, else 0) by at most 50. */
export function maxStepWeight(rollout: Rollout): PolicyViolation[] {
  const violations: PolicyViolation[] = [];
  let previous = 0;
  (rollout.spec.strategy.canary?.steps ?? []).forEach((step, index) => {
    if (step.setWeight === undefined) return;
    if (step.setWeight - previous > MAX_WEIGHT_INCREASE) {
      violations.push({
        policy: MAX_STEP_WEIGHT,
        path: `${STEPS}[${index}].setWeight`,
        message: `${MAX_STEP_WEIGHT_MESSAGE} (${previous} -> ${step.setWeight})`,
      });
    }
    previous = step.setWeight;
  });
  return violations;
}

/** Every policy violation of a Rollout that passed schema validation. */
export function policyViolations(rollout: Rollout): PolicyViolation[] {
  return [...analysisBeforeFull(rollout), ...maxStepWeight(rollout)];
}
