/**
 * The A/B test strategy (`spec.strategy.abTest`, a Bellwether addition): observe -> build one
 * event -> transition the machine -> decide. Pure: the same input gives the same decision;
 * `input.now` is the only clock. See ab-test-machine.ts for the lifecycle and docs/ab-testing.md.
 *
 * Selectors: `canary` = variants.b.service, `stable` = variants.a.service. While both variants
 * serve, B's Service selects B and A's selects A; otherwise both select the stable version. The
 * router gets B's share as `traffic.canaryWeight` and the stickiness to keep each user on the
 * variant first assigned.
 */
import { transition } from 'xstate';
import { AbLifecycle, abTestMachine } from './machine.ts';
import { abAnalysis } from './analysis.ts';
import { observeAbTest } from './observation.ts';
import { abScaling, routedShareB, servesBoth, type AbOutcome } from './scaling.ts';
import { abTestSettings, type AbTestSettings } from './settings.ts';
import { resolveAbSnapshot } from './snapshot.ts';
import { abEffectsOf, abEvents } from './events.ts';
import { abStatus } from './status.ts';
import { withRequeue } from '../kernel/timer.ts';
import type { StrategyDecision, StrategyInput } from '../types.ts';

export function reconcileAbTest(input: StrategyInput): StrategyDecision {
  const settings = abTestSettings(input.spec);
  const before = resolveAbSnapshot(input, settings.stepsHash);
  const observation = observeAbTest(input, settings);
  const [after, actions] = transition(abTestMachine, before, observation);
  const outcome: AbOutcome = { value: after.value, context: after.context };

  const shareB = routedShareB(input, settings, outcome);
  const scaling = abScaling(input, settings, outcome, shareB);
  const analysis = abAnalysis(input, settings, outcome);
  const stable = outcome.context.stableRS ?? input.currentPodHash;
  const decision: StrategyDecision = {
    replicaSets: scaling.replicaSets,
    scaleDownDeadlines: scaling.scaleDownDeadlines,
    selectors: { canary: servesBoth(outcome) ? (outcome.context.currentPodHash ?? stable) : stable, stable },
    traffic: { canaryWeight: shareB, headerRoutes: [], mirrorRoutes: [], stickiness: settings.stickiness },
    status: abStatus({ input, settings, outcome, observation, analysis, shareB }),
    events: abEvents(abEffectsOf(actions), settings),
    analysisRuns: analysis.requests,
  };
  return withRequeue(decision, input.now, timersDue(input, settings, outcome, scaling.nextDeadline));
}

/** The pending timers (pause end, scale-down deadline), as epoch ms. */
function timersDue(
  input: StrategyInput,
  settings: AbTestSettings,
  outcome: AbOutcome,
  nextDeadline: number | undefined,
): number[] {
  const { value, context } = outcome;
  const due: number[] = [];
  if (nextDeadline !== undefined) due.push(nextDeadline);
  const step = settings.steps[context.stepIndex];
  if (
    value.lifecycle === AbLifecycle.paused &&
    step?.kind === 'pause' &&
    step.ms !== undefined &&
    context.pauseStartedAt !== undefined
  ) {
    due.push(context.pauseStartedAt + step.ms);
  }
  return due;
}
