import type { CanaryStep } from '../../strategies/types.ts';

/** One line describing a canary step, in the words an operator uses. */
export function describeStep(step: CanaryStep): string {
  if (step.setWeight !== undefined) return `setWeight ${step.setWeight}`;
  if (step.pause) {
    return step.pause.duration === undefined
      ? 'pause (until promoted)'
      : `pause ${String(step.pause.duration)}`;
  }
  if (step.setCanaryScale) {
    const s = step.setCanaryScale;
    if (s.replicas !== undefined) return `setCanaryScale replicas=${s.replicas}`;
    if (s.weight !== undefined) return `setCanaryScale weight=${s.weight}`;
    return 'setCanaryScale matchTrafficWeight';
  }
  if (step.analysis) return `analysis ${step.analysis.templates.map((t) => t.templateName).join(', ')}`;
  if (step.setHeaderRoute) return 'setHeaderRoute';
  if (step.setMirrorRoute) return 'setMirrorRoute';
  if (step.experiment) return 'experiment';
  return 'unknown step';
}
