/**
 * The canary strategy: observe -> build one event -> transition the machine -> decide.
 * Pure: the same input gives the same decision; `input.now` is the only clock.
 *
 * A canary without steps is a rolling update (Argo Rollouts behaves the same way), so it is
 * delegated to `reconcileRolling` with the canary's maxSurge / maxUnavailable.
 */
import { transition } from 'xstate';
import { canaryAnalysis } from './analysis.ts';
import { canaryMachine, Hold, Lifecycle } from './machine.ts';
import { observeCanary } from './observation.ts';
import { canaryScaling } from './scaling.ts';
import { canarySettings, type CanarySettings } from './settings.ts';
import { resolveCanarySnapshot } from './snapshot.ts';
import { canaryEvents, effectsOf } from './events.ts';
import type { CanaryOutcome } from './machine-setup.ts';
import { canaryStatus, isAdvancing, progressDeadlineExceeded } from './status.ts';
import { pauseDurationMs } from './steps.ts';
import { reconcileRolling } from '../rolling/reconcile.ts';
import {
  routedCanarySelector,
  routedTraffic,
  routedView,
  routedWeight,
  weightUpdatedEvents,
} from './traffic.ts';
import type { RoutedWeight } from './scaling.ts';
import { withRequeue } from '../kernel/timer.ts';
import type { StrategyDecision, StrategyInput } from '../types.ts';

/**
 * One reconcile of a canary Rollout. Throws `InvalidSpecError` (naming the field) for a spec it
 * cannot execute; the shell reports that as the InvalidSpec condition.
 */
export function reconcileCanary(input: StrategyInput): StrategyDecision {
  const canary = input.spec.strategy.canary ?? {};
  if ((canary.steps ?? []).length === 0) return reconcileRolling(input, canary);

  const settings = canarySettings(input.spec);
  const before = resolveCanarySnapshot(input, settings.steps.length);
  const observation = observeCanary(input, settings, before.context.stableRS);
  const [after, actions] = transition(canaryMachine, before, observation);
  const outcome: CanaryOutcome = { value: after.value, context: after.context };

  const stable = outcome.context.stableRS ?? input.currentPodHash;
  const routed = routedWeightFor(input, settings, outcome);
  const scaling = canaryScaling(input, settings, outcome.value, outcome.context, routed);
  const analysis = canaryAnalysis(input, settings, outcome);
  const decision: StrategyDecision = {
    replicaSets: scaling.replicaSets,
    scaleDownDeadlines: scaling.scaleDownDeadlines,
    selectors: {
      canary: routed
        ? routedCanarySelector(routed.view, outcome.value, routed.weight, input.currentPodHash, stable)
        : // After an abort or with nothing in flight both Services select the stable pods.
          outcome.value.lifecycle === Lifecycle.aborted || outcome.value.lifecycle === Lifecycle.healthy
          ? stable
          : input.currentPodHash,
      stable,
    },
    ...(routed && { traffic: routedTraffic(routed.view, outcome.value, outcome.context, routed.weight) }),
    status: canaryStatus(input, settings, outcome, analysis, routed),
    events: [
      ...canaryEvents(effectsOf(actions), settings),
      ...(routed ? weightUpdatedEvents(input, routed.view, routed.weight) : []),
    ],
    analysisRuns: analysis.requests,
    experiments: analysis.experiments,
  };
  return withRequeue(decision, input.now, timersDue(input, outcome, settings, scaling.nextDeadline));
}

/** With a traffic router: what the router sees and the canary weight to tell it now. */
function routedWeightFor(
  input: StrategyInput,
  settings: CanarySettings,
  outcome: CanaryOutcome,
): RoutedWeight | undefined {
  if (settings.router === undefined) return undefined;
  const view = routedView(input, settings, settings.router, outcome.context.stableRS);
  return { view, weight: routedWeight(view, outcome.value, outcome.context) };
}

/** The pending timers (pause end, scale-down deadline, progress deadline), as epoch ms. */
function timersDue(
  input: StrategyInput,
  outcome: CanaryOutcome,
  settings: CanarySettings,
  nextDeadline: number | undefined,
): number[] {
  const { value, context } = outcome;
  const due: number[] = [];
  if (nextDeadline !== undefined) due.push(nextDeadline);
  if (
    value.lifecycle === Lifecycle.paused &&
    value.hold === Hold.running &&
    context.pauseStartedAt !== undefined
  ) {
    const pauseMs = pauseDurationMs(settings.steps[context.stepIndex] ?? {}, context.stepIndex);
    if (pauseMs !== undefined) due.push(context.pauseStartedAt + pauseMs);
  }
  if (isAdvancing(outcome, settings) && !progressDeadlineExceeded(outcome, settings, input.now)) {
    due.push(context.lastProgressAt + settings.progressDeadlineMs);
  }
  return due;
}
