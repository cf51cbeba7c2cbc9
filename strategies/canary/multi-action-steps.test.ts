/**
 * Steps with several actions, as Argo Rollouts allows them: at most one of setWeight, pause,
 * analysis, experiment, joined by setCanaryScale / setHeaderRoute / setMirrorRoute. Every action
 * is carried out, and the step is done when all of them are (an analysis beside a setCanaryScale
 * also waits for the pods). Through the driver, which checks idempotency at every reconcile.
 */
import { describe, expect, it } from 'vitest';
import { describeStep, stepKind } from './steps.ts';
import { reasons } from '../../test/support/strategies/reconcile-driver.ts';
import {
  reconcile,
  routedCanarySpec,
  settleCanary,
  updating,
} from '../../test/support/strategies/canary-world.ts';
import {
  finishRuns,
  makeAvailable,
  specCounts,
  type SimulatedWorld,
} from '../../test/support/strategies/simulated-cluster.ts';
import type { CanaryStep, RolloutSpecView } from '../types.ts';

const BETA = [{ headerName: 'X-Beta', headerValue: { exact: 'yes' } }];
const SUCCESS_RATE = { templates: [{ templateName: 'success-rate' }] };

const routedSpec = (steps: CanaryStep[]): RolloutSpecView =>
  routedCanarySpec({ steps }, { routing: { managedRoutes: [{ name: 'beta' }] } });

describe('a step with several actions', () => {
  it('sets the weight and the header route of one step together', () => {
    const { decision, events } = settleCanary(
      updating(routedSpec([{ setWeight: 20, setHeaderRoute: { name: 'beta', match: BETA } }, { pause: {} }])),
    );
    expect(decision.status.currentStepIndex).toBe(1);
    expect(decision.traffic).toMatchObject({
      canaryWeight: 20,
      headerRoutes: [{ name: 'beta', match: BETA }],
    });
    expect(events.map((e) => e.message)).toContain('Step 1/2 setWeight 20 + setHeaderRoute completed');
  });

  it('scales the canary by setCanaryScale while the weight is set in the same step', () => {
    const { world, decision } = settleCanary(
      updating(routedSpec([{ setWeight: 10, setCanaryScale: { replicas: 4 } }, { pause: {} }])),
    );
    expect(decision.status.currentStepIndex).toBe(1);
    expect(decision.traffic?.canaryWeight).toBe(10);
    expect(specCounts(world, 'v2', 'v1')).toEqual([4, 10]);
  });

  it('an analysis beside setCanaryScale completes only when the run passed and the pods are there', () => {
    const steps: CanaryStep[] = [
      { setWeight: 10 },
      { analysis: SUCCESS_RATE, setCanaryScale: { replicas: 6 } },
      { pause: {} },
    ];
    const waiting = settleCanary(updating(routedSpec(steps)));
    expect(waiting.decision.status.currentStepIndex).toBe(1);
    expect(specCounts(waiting.world, 'v2')).toEqual([6]);
    // Four of the 6 canary pods are lost (not available) while the run finishes.
    const lost: SimulatedWorld = {
      ...waiting.world,
      replicaSets: waiting.world.replicaSets.map((rs) =>
        rs.hash === 'v2' ? { ...rs, readyReplicas: 2, availableReplicas: 2 } : rs,
      ),
    };
    // The run passes, but the 6 canary pods are not all available: the step is not done.
    const passed = reconcile(finishRuns(lost, 'step', 'Successful'));
    expect(passed.decision.status.currentStepIndex).toBe(1);
    expect(reasons(passed.decision.events)).not.toContain('RolloutStepCompleted');
    // The pods come up: now the step completes.
    const ready = reconcile(makeAvailable(passed.world));
    expect(ready.decision.status.currentStepIndex).toBe(2);
    expect(reasons(ready.decision.events)).toContain('RolloutStepCompleted');
  });

  it('the kind that decides the step is the exclusive action; two exclusive actions are refused', () => {
    expect(stepKind({ setCanaryScale: { replicas: 1 }, pause: {} }, 0)).toBe('pause');
    expect(stepKind({ setHeaderRoute: { name: 'beta' }, setCanaryScale: { weight: 5 } }, 0)).toBe(
      'setCanaryScale',
    );
    expect(stepKind({ setMirrorRoute: { name: 'beta' } }, 0)).toBe('setMirrorRoute');
    expect(() => stepKind({ analysis: SUCCESS_RATE, pause: {} }, 3)).toThrow(
      'spec.strategy.canary.steps[3]: a step may have only one of setWeight, pause, experiment, analysis (found pause, analysis)',
    );
    expect(() => stepKind({}, 0)).toThrow('spec.strategy.canary.steps[0]: a step must have one of');
    expect(describeStep({ pause: { duration: '30s' }, setCanaryScale: { weight: 20 } }, 0)).toBe(
      'pause 30s + setCanaryScale weight 20',
    );
  });
});
