/**
 * The two Services a canary's routers split between: canaryService / stableService; or, with
 * pingPong, the ping and pong Services by `status.canary.stablePingPong` (ping is stable until
 * the first promotion swaps them, as in Argo Rollouts); or none when Istio splits by
 * DestinationRule subsets alone. Pure.
 */
import { splitsBySubsetsOnly } from '../api/canary-services.ts';
import type { TrafficRouting } from '../api/rollout.ts';
import type { CanaryStrategySpec } from '../../strategies/types.ts';

/** The part of status that says which pingPong Service is stable. */
export interface PingPongStatus {
  canary?: { stablePingPong?: 'ping' | 'pong' };
}

export interface PingPongSpec {
  pingService: string;
  pongService: string;
}

/** The pingPong Services by role for a `stablePingPong` value (ping when unset). */
export function pingPongServices(
  pingPong: PingPongSpec,
  stable: 'ping' | 'pong' | undefined,
): { canaryService: string; stableService: string } {
  return stable === 'pong'
    ? { canaryService: pingPong.pingService, stableService: pingPong.pongService }
    : { canaryService: pingPong.pongService, stableService: pingPong.pingService };
}

export function canaryRoutingServices(
  canary: CanaryStrategySpec,
  routing: TrafficRouting,
  status: PingPongStatus | undefined,
): { canaryService: string; stableService: string } | undefined {
  const pingPong = (canary as { pingPong?: PingPongSpec }).pingPong;
  if (pingPong) return pingPongServices(pingPong, status?.canary?.stablePingPong);
  if (canary.canaryService && canary.stableService)
    return { canaryService: canary.canaryService, stableService: canary.stableService };
  if (splitsBySubsetsOnly(routing)) return { canaryService: '', stableService: '' };
  return undefined;
}
