import { describe, expect, it } from 'vitest';
import type { StrategyDecision } from '../../strategies/types.ts';
import { pingPongAfter, withPingPong } from './ping-pong.ts';
import { serviceRefs } from './service-roles.ts';
import type { RolloutObject } from './rollout-object.ts';

const rollout = (stableRS: string | undefined, stablePingPong?: 'ping' | 'pong'): RolloutObject => ({
  metadata: { name: 'web', namespace: 'ns', uid: 'u' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    strategy: {
      canary: { pingPong: { pingService: 'ping', pongService: 'pong' }, trafficRouting: {} } as never,
    },
  },
  status: { ...(stableRS ? { stableRS } : {}), ...(stablePingPong ? { canary: { stablePingPong } } : {}) },
});
const decision = (stableRS: string) => ({ status: { stableRS } }) as unknown as StrategyDecision;

describe('pingPong roles', () => {
  it('stay while the stable version stays, and swap when the canary version becomes stable', () => {
    expect(pingPongAfter(rollout(undefined), decision('a'))).toBe('ping');
    expect(pingPongAfter(rollout('a'), decision('a'))).toBe('ping');
    expect(pingPongAfter(rollout('a'), decision('b'))).toBe('pong');
    expect(pingPongAfter(rollout('b', 'pong'), decision('c'))).toBe('ping');
  });

  it('point only the canary-role Service, and only during an update', () => {
    const swapped = withPingPong(rollout('a'), 'pong');
    expect(serviceRefs(swapped.spec, swapped.status).map((r) => [r.name, r.role, r.selectorWrites])).toEqual([
      ['ping', 'canary', 'whileUpdating'],
      ['pong', 'stable', 'never'],
    ]);
  });

  it('is off without pingPong', () => {
    const plain = {
      ...rollout('a'),
      spec: { ...rollout('a').spec, strategy: { canary: {} } },
    } as RolloutObject;
    expect(pingPongAfter(plain, decision('b'))).toBeUndefined();
  });
});
