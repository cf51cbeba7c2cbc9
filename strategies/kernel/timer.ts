/** When the shell should reconcile a Rollout again though nothing changed: the soonest timer. Pure. */
import type { StrategyDecision } from '../types.ts';

/**
 * The decision with `requeueAfterMs` set to the delay until the soonest of `due` (epoch ms) that
 * is still ahead of `now`; unchanged when none is.
 */
export function withRequeue(
  decision: StrategyDecision,
  now: number,
  due: readonly (number | undefined)[],
): StrategyDecision {
  const delays = due.flatMap((time) => (time !== undefined && time > now ? [time - now] : []));
  return delays.length === 0 ? decision : { ...decision, requeueAfterMs: Math.min(...delays) };
}
