/**
 * Canary pingPong (Argo Rollouts' ALB ping-pong): two Services take turns being stable. The
 * canary-role Service is pointed at the new pods during an update; at promotion the roles swap
 * (`status.canary.stablePingPong` flips), so the Service already serving the new pods becomes
 * stable without a selector change and its ALB target group keeps its registered targets. Pure.
 */
import type { StrategyDecision } from '../../strategies/types.ts';
import type { PingPongSpec } from '../traffic/canary-routing-services.ts';
import type { RolloutObject } from './rollout-object.ts';

type Side = 'ping' | 'pong';

/** Status with `canary.stablePingPong` as it is after this decision (undefined: no pingPong). */
export function pingPongAfter(rollout: RolloutObject, decision: StrategyDecision): Side | undefined {
  const pingPong = (rollout.spec.strategy.canary as { pingPong?: PingPongSpec } | undefined)?.pingPong;
  if (!pingPong) return undefined;
  const status = rollout.status;
  const current = status?.canary?.stablePingPong ?? 'ping';
  const before = rollout.status?.stableRS;
  const after = decision.status.stableRS;
  // A promotion: the version the canary Service served became stable, so that Service is stable now.
  const promoted = before !== undefined && after !== undefined && before !== after;
  return promoted ? (current === 'ping' ? 'pong' : 'ping') : current;
}

/** The Rollout as the routers and Service selectors see it after the decision (roles swapped on promotion). */
export function withPingPong(rollout: RolloutObject, side: Side | undefined): RolloutObject {
  if (side === undefined) return rollout;
  const status = rollout.status ?? {};
  return {
    ...rollout,
    status: { ...status, canary: { ...status.canary, stablePingPong: side } },
  };
}
