/**
 * The status flags every step-driven strategy (canary, blue-green, A/B) writes the same way from
 * its machine context. Pure.
 */
import { withOwnPauses } from './pause-conditions.ts';
import { keepIsoSpelling } from './time.ts';
import type { RolloutStatusView } from '../types.ts';

/** The context fields the flags come from (each machine's context has them). */
export interface LifecycleFlagsContext {
  controllerPause: boolean;
  abort: boolean;
  abortedAt?: number;
  promoteFull: boolean;
}

/**
 * pauseConditions (the strategy's `own` pauses replaced, others kept), controllerPause, abort,
 * abortedAt and promoteFull. Flags are left out when false (as Argo Rollouts writes them), so an
 * operator's `abort: false` is cleaned up; a time already written keeps its RFC 3339 spelling.
 */
export function lifecycleFlags(
  context: LifecycleFlagsContext,
  previous: RolloutStatusView,
  own: readonly (readonly [reason: string, startedAt: number | undefined])[],
): RolloutStatusView {
  return {
    pauseConditions: withOwnPauses(previous.pauseConditions, own),
    controllerPause: context.controllerPause ? true : undefined,
    abort: context.abort ? true : undefined,
    abortedAt:
      context.abortedAt === undefined ? undefined : keepIsoSpelling(previous.abortedAt, context.abortedAt),
    promoteFull: context.promoteFull ? true : undefined,
  };
}
