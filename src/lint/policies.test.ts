import { describe, expect, it } from 'vitest';
import type { CanaryStep, Rollout } from '../api/rollout.ts';
import { validateRollout } from '../api/validate.ts';
import { ANALYSIS_BEFORE_FULL, MAX_STEP_WEIGHT, policyViolations } from './policies.ts';

function rollout(steps: CanaryStep[], background = false): Rollout {
  const analysis = { templates: [{ templateName: 't' }] };
  const result = validateRollout({
    apiVersion: 'bellwether.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'r' },
    spec: {
      selector: { matchLabels: { app: 'r' } },
      template: { metadata: { labels: { app: 'r' } }, spec: { containers: [{ name: 'r', image: 'r' }] } },
      strategy: { canary: { steps, ...(background ? { analysis } : {}) } },
    },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

const analysis: CanaryStep = { analysis: { templates: [{ templateName: 't' }] } };
const found = (r: Rollout) => policyViolations(r).map((v) => `${v.policy} ${v.path}`);

describe('policies', () => {
  it('require an analysis before the first setWeight 100, or before the end', () => {
    expect(found(rollout([{ setWeight: 20 }, { setWeight: 60 }, { setWeight: 100 }, analysis]))).toEqual([
      `${ANALYSIS_BEFORE_FULL} spec.strategy.canary.steps[2].setWeight`,
    ]);
    expect(found(rollout([{ setWeight: 20 }, { pause: {} }]))).toEqual([
      `${ANALYSIS_BEFORE_FULL} spec.strategy.canary.steps`,
    ]);
    expect(found(rollout([{ setWeight: 20 }, analysis, { setWeight: 60 }, { setWeight: 100 }]))).toEqual([]);
    expect(found(rollout([{ setWeight: 50 }, { setWeight: 100 }], true))).toEqual([]);
    expect(found(rollout([]))).toEqual([]);
  });

  it('limit each setWeight increase to 50 points', () => {
    expect(found(rollout([analysis, { setWeight: 60 }]))).toEqual([
      `${MAX_STEP_WEIGHT} spec.strategy.canary.steps[1].setWeight`,
    ]);
    expect(found(rollout([analysis, { setWeight: 50 }, { setWeight: 10 }, { setWeight: 61 }]))).toEqual([
      `${MAX_STEP_WEIGHT} spec.strategy.canary.steps[3].setWeight`,
    ]);
    expect(found(rollout([analysis, { setWeight: 50 }, { pause: {} }, { setWeight: 100 }]))).toEqual([]);
    expect(policyViolations(rollout([analysis, { setWeight: 51 }]))[0]?.message).toMatch(/\(0 -> 51\)$/);
  });
});
