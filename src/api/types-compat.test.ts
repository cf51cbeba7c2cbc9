/**
 * The pure core (strategies/) declares the narrow views of the API it reads; the zod-inferred
 * types must satisfy them, so the shell can pass validated objects straight in. This file fails
 * `tsc --noEmit` when they drift apart.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type {
  CanaryStep as CanaryStepView,
  Condition as ConditionView,
  RolloutSpecView,
  RolloutStatusView,
} from '../../strategies/types.ts';
import type { Condition } from './common.ts';
import type { CanaryStep, RolloutSpec, RolloutStatus } from './rollout.ts';

describe('API types satisfy the strategy views', () => {
  it('RolloutSpec -> RolloutSpecView', () => {
    expectTypeOf<RolloutSpec>().toExtend<RolloutSpecView>();
  });

  it('RolloutStatus -> RolloutStatusView', () => {
    expectTypeOf<RolloutStatus>().toExtend<RolloutStatusView>();
  });

  it('CanaryStep and Condition', () => {
    expectTypeOf<CanaryStep>().toExtend<CanaryStepView>();
    expectTypeOf<Condition>().toExtend<ConditionView>();
  });
});
